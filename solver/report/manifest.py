"""The manifest of an output folder: which procure run wrote it, and the hash of every file.

``.procure-manifest.json`` is written last, into the finished folder before it is put in place.
A folder whose manifest lists exactly the files in it, each still with its recorded SHA-256,
holds one procure run's outputs and nothing else, so a later run may replace it without
``--force``; any other content (a file of the user's, an edited plan) makes it foreign.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solver import __version__
from solver.report.atomic import write_text_atomic

MANIFEST_NAME = ".procure-manifest.json"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class RunInfo:
    """What the manifest says about the run that wrote the folder."""

    command: str
    """The command line, shell-quoted."""
    problem: Path | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(directory: Path) -> list[str]:
    """Every regular file under ``directory`` as a sorted relative POSIX path (links excluded)."""
    found = []
    for root, _dirs, names in os.walk(directory):
        for name in names:
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(directory).as_posix())
    return sorted(found)


def write_manifest(directory: Path, run: RunInfo) -> Path:
    """Hash every file now in ``directory`` and write the manifest beside them."""
    problem: dict[str, Any] | None = None
    if run.problem is not None:
        problem = {"path": str(Path(run.problem).resolve()), "sha256": sha256_of(run.problem)}
    files = [name for name in _files(directory) if name != MANIFEST_NAME]
    data = {
        "manifest_format": MANIFEST_FORMAT,
        "procure_version": __version__,
        "command": run.command,
        "problem": problem,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "files": [{"path": name, "bytes": (directory / name).stat().st_size, "sha256": sha256_of(directory / name)} for name in files],
    }
    return write_text_atomic(directory / MANIFEST_NAME, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def add_to_manifest(directory: Path, relative: str) -> None:
    """List one more file of ``directory`` (or a listed file's new content) in its manifest:
    for a file added to a finished output folder (``procure report``). The caller holds the
    folder's lock and has checked that the manifest still describes the folder exactly."""
    path = directory / MANIFEST_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    entry = {"path": relative, "bytes": (directory / relative).stat().st_size, "sha256": sha256_of(directory / relative)}
    data["files"] = sorted([listed for listed in data["files"] if listed["path"] != relative] + [entry], key=lambda listed: listed["path"])
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def recorded_command(directory: Path) -> str | None:
    """The command line that wrote ``directory``, from its manifest (None without one)."""
    try:
        return str(json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))["command"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _listed(directory: Path) -> dict[str, str] | str:
    """Listed file → sha256, or why the manifest cannot be used."""
    try:
        data = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
        listed = {str(entry["path"]): str(entry["sha256"]) for entry in data["files"]}
    except FileNotFoundError:
        return f"it has no {MANIFEST_NAME}"
    except (OSError, ValueError, KeyError, TypeError):
        return f"its {MANIFEST_NAME} cannot be read"
    for relative in listed:
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            return f"its {MANIFEST_NAME} lists a path outside the folder"
    return listed


def foreign_content(directory: Path) -> str | None:
    """None when ``directory`` holds exactly the files its manifest lists, unchanged; otherwise
    the first reason it does not (for the error message)."""
    listed = _listed(directory)
    if isinstance(listed, str):
        return listed
    for root, dirs, names in os.walk(directory):
        for name in [*dirs, *names]:
            path = Path(root) / name
            relative = path.relative_to(directory).as_posix()
            if path.is_symlink():
                return f"{relative} is a link procure did not write"
            if path.is_dir():
                if not any(listed_path.startswith(relative + "/") for listed_path in listed):
                    return f"{relative}/ was not written by procure"
            elif relative != MANIFEST_NAME and relative not in listed:
                return f"{relative} was not written by procure"
    for relative, digest in listed.items():
        path = directory / relative
        if not path.is_file():
            return f"{relative}, listed in its manifest, is missing"
        if sha256_of(path) != digest:
            return f"{relative} changed since procure wrote it"
    return None


__all__ = ["MANIFEST_NAME", "RunInfo", "add_to_manifest", "foreign_content", "recorded_command", "sha256_of", "write_manifest"]
