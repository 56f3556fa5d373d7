"""Load the fitted speed model and the engine support matrix from a catalog directory."""

from __future__ import annotations

import functools
from pathlib import Path

from solver.catalog.yaml_source import bundled_file_stamp, load_document
from solver.errors import InputError
from solver.estimator.formats import KV_FORMAT_BYTES, WEIGHT_FORMATS
from solver.specs.engines import EngineMatrix
from solver.specs.performance import SpeedModelFile

SPEED_MODEL_FILENAME = "speed_model.yaml"
ENGINES_FILENAME = "engines.yaml"


@functools.lru_cache(maxsize=8)
def _load_speed_model(path: str, stamp: int) -> SpeedModelFile:
    return load_document(Path(path), SpeedModelFile)


@functools.lru_cache(maxsize=8)
def _load_engines(path: str, stamp: int) -> EngineMatrix:
    matrix = load_document(Path(path), EngineMatrix)
    for engine in matrix.engines:
        for row in engine.support:
            unknown = [f for f in row.weight_formats if f not in WEIGHT_FORMATS] + [f for f in row.kv_formats if f not in KV_FORMAT_BYTES]
            if unknown:
                raise InputError(f"{path}: engine {engine.id}: unknown format(s) {', '.join(unknown)}", hint=f"weight formats: {', '.join(WEIGHT_FORMATS)}; KV: {', '.join(KV_FORMAT_BYTES)}")
    return matrix


def load_speed_model(directory: Path) -> SpeedModelFile:
    path = directory / SPEED_MODEL_FILENAME
    return _load_speed_model(str(path), bundled_file_stamp(path))


def load_engines(directory: Path) -> EngineMatrix:
    path = directory / ENGINES_FILENAME
    return _load_engines(str(path), bundled_file_stamp(path))
