"""Load the cloud price catalog and the published training runs from a catalog directory.

Both sit beside the hardware catalogs (cloud.yaml, training_runs.yaml) and are attached to the
Catalog like the speed model; their GPU ids must name GPUs of the merged hardware catalog, so
an instance or run the estimator cannot plan on is an error at load time, not a silent gap.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path

from solver.catalog.yaml_source import bundled_file_stamp, load_document
from solver.errors import InputError, did_you_mean
from solver.specs.cloud import CloudCatalogFile
from solver.specs.hardware import GpuSpec
from solver.specs.training_runs import TrainingRunsFile

CLOUD_FILENAME = "cloud.yaml"
TRAINING_RUNS_FILENAME = "training_runs.yaml"


@functools.lru_cache(maxsize=8)
def _load_cloud(path: str, stamp: int) -> CloudCatalogFile:
    return load_document(Path(path), CloudCatalogFile)


@functools.lru_cache(maxsize=8)
def _load_training_runs(path: str, stamp: int) -> TrainingRunsFile:
    return load_document(Path(path), TrainingRunsFile)


def check_gpu_ids(path: Path, entries: Iterable[tuple[str, str]], gpus: Mapping[str, GpuSpec]) -> None:
    """Every (entry id, GPU id) names a GPU of the hardware catalog."""
    for entry_id, gpu_id in entries:
        if gpu_id not in gpus:
            suggestions = did_you_mean(gpu_id, list(gpus), n=3)
            hint = f"did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else "`procure catalog gpus` lists the GPU ids"
            raise InputError(f"{path}: {entry_id}: unknown GPU id {gpu_id!r}", hint=hint)


def load_cloud(directory: Path, gpus: Mapping[str, GpuSpec]) -> CloudCatalogFile:
    path = directory / CLOUD_FILENAME
    catalog = _load_cloud(str(path), bundled_file_stamp(path))
    check_gpu_ids(path, ((i.id, i.gpu) for i in catalog.instances), gpus)
    return catalog


def load_training_runs(directory: Path, gpus: Mapping[str, GpuSpec]) -> TrainingRunsFile:
    path = directory / TRAINING_RUNS_FILENAME
    runs = _load_training_runs(str(path), bundled_file_stamp(path))
    check_gpu_ids(path, ((r.id, r.gpu) for r in runs.runs), gpus)
    return runs
