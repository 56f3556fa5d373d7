"""Read an output folder for the HTML report: a solve folder or a what-if folder.

- Solve folder: ``plan.json`` and ``bom.csv`` (and ``.procure-manifest.json``); bom.csv's rows are
  read as ``BomLine`` (the purchase order the buyer gets, typed: sub-lines name their system).
- What-if folder: ``whatif.json`` and one folder per scenario with its own ``plan.json``.

plan.json is read as plain data, not through ``solver.plan.schema``: the report must render
plans that carry sections it does not know yet (and older plans that lack some), so every
section reads the keys it needs and is left out when they are absent.

Who wrote the folder comes from its manifest, or, while a run still writes its staging folder
(``--report``), from that run. The problem file named there is read again only when its
SHA-256 still matches, so the report never describes a problem other than the one solved.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solver import __version__
from solver.catalog.yaml_source import load_document
from pydantic import ValidationError

from solver.errors import InputError, ProcureError
from solver.plan.schema import BomLine
from solver.report.manifest import MANIFEST_NAME, RunInfo, sha256_of
from solver.specs.problem import Problem

PLAN_FILE = "plan.json"
BOM_FILE = "bom.csv"
WHATIF_FILE = "whatif.json"


@dataclass(frozen=True)
class RunRecord:
    """What the manifest says about the run that wrote the folder."""

    procure_version: str
    command: str
    created: str
    problem_path: str | None
    problem_sha256: str | None


@dataclass(frozen=True)
class ProblemFile:
    """The problem as solved, when its file is still there unchanged; else why not."""

    problem: Problem | None
    note: str


@dataclass(frozen=True)
class SolveFolder:
    path: Path
    plan: dict[str, Any]
    bom: list[BomLine]
    """bom.csv's lines (columns it does not know are ignored)."""
    record: RunRecord | None
    problem: ProblemFile


@dataclass(frozen=True)
class WhatifFolder:
    path: Path
    whatif: dict[str, Any]
    plans: dict[str, dict[str, Any]]
    """Scenario folder name (whatif.json's ``dir``) → that scenario's plan.json."""
    record: RunRecord | None
    problem: ProblemFile


def read_folder(path: Path, run: RunInfo | None = None) -> SolveFolder | WhatifFolder:
    """The folder's outputs; ``run`` stands in for the manifest of a folder still being written."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"{path} is not a folder", hint="give the --out folder of a procure solve or whatif run")
    record = _record_of_run(run) if run is not None else _record_of_manifest(path)
    problem = _problem_file(record)
    if (path / PLAN_FILE).is_file():
        return SolveFolder(path, _json(path / PLAN_FILE), _bom(path / BOM_FILE), record, problem)
    if (path / WHATIF_FILE).is_file():
        whatif = _json(path / WHATIF_FILE)
        plans = {}
        for row in whatif.get("scenarios", []):
            folder = row.get("dir")
            if folder and (path / folder / PLAN_FILE).is_file():
                plans[folder] = _json(path / folder / PLAN_FILE)
        return WhatifFolder(path, whatif, plans, record, problem)
    raise InputError(
        f"{path} holds neither {PLAN_FILE} (a solve) nor {WHATIF_FILE} (a what-if)",
        hint="give the --out folder of `procure solve` or `procure whatif`",
    )


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read {path}: {getattr(err, 'strerror', None) or err}") from None
    except ValueError as err:
        raise InputError(f"{path} is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} does not hold a JSON object")
    return data


def _bom(path: Path) -> list[BomLine]:
    if not path.is_file():
        raise InputError(f"{path} is missing", hint="a solve folder has bom.csv beside plan.json: solve again")
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise InputError(f"cannot read {path}: {err}") from None
    lines = []
    for number, row in enumerate(rows, start=2):
        # An empty cell is an absent value (no parent, no published range).
        known = {key: (None if value == "" and BomLine.model_fields[key].default is None else value) for key, value in row.items() if key in BomLine.model_fields}
        try:
            lines.append(BomLine.model_validate(known))
        except ValidationError as err:
            raise InputError(f"{path}, row {number}: {err.errors()[0]['loc'][0]}: {err.errors()[0]['msg']}", hint="bom.csv is written by procure solve: solve again") from None
    return lines


def _record_of_run(run: RunInfo) -> RunRecord:
    problem = Path(run.problem) if run.problem is not None else None
    return RunRecord(
        procure_version=__version__,
        command=run.command,
        created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        problem_path=str(problem.resolve()) if problem else None,
        problem_sha256=sha256_of(problem) if problem else None,
    )


def _record_of_manifest(path: Path) -> RunRecord | None:
    try:
        data = json.loads((path / MANIFEST_NAME).read_text(encoding="utf-8"))
        problem = data.get("problem") or {}
        return RunRecord(
            procure_version=str(data["procure_version"]),
            command=str(data["command"]),
            created=str(data["created"]),
            problem_path=problem.get("path"),
            problem_sha256=problem.get("sha256"),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _problem_file(record: RunRecord | None) -> ProblemFile:
    if record is None:
        return ProblemFile(None, f"the folder has no readable {MANIFEST_NAME}, so the problem file is unknown")
    if record.problem_path is None or record.problem_sha256 is None:
        return ProblemFile(None, "the run did not record a problem file")
    path = Path(record.problem_path)
    try:
        if sha256_of(path) != record.problem_sha256:
            return ProblemFile(None, f"{path} changed since the run (its SHA-256 differs), so it is not shown")
        return ProblemFile(load_document(path, Problem), f"{path}, unchanged since the run")
    except OSError as err:
        return ProblemFile(None, f"{path} cannot be read ({err.strerror or err})")
    except ProcureError as err:
        return ProblemFile(None, f"{path} no longer loads: {err.message}")


__all__ = ["BOM_FILE", "PLAN_FILE", "WHATIF_FILE", "ProblemFile", "RunRecord", "SolveFolder", "WhatifFolder", "read_folder"]
