"""Write report.html: into a run's output folder before it is published (``--report``), or for
a finished folder (``procure report DIR``).

A finished folder is one unit with a manifest (``output_dir``), so adding a page to it happens
under the folder's lock, and the manifest then lists the page: the next run may still replace
the folder without ``--force``. A folder that is no longer exactly a procure run's outputs (the
manifest does not match) gets the page but keeps its manifest as it was, and the caller is told
why. (A run killed between writing the page and the manifest leaves the page unlisted: the
folder then needs ``--force`` to be replaced, as for any file procure did not record.)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from solver.catalog import Catalog
from solver.errors import InputError
from solver.report.atomic import write_text_atomic
from solver.report.dir_lock import folder_lock
from solver.report.html import REPORT_FILE, render_report
from solver.report.manifest import RunInfo, add_to_manifest, foreign_content
from solver.report.report_folder import read_folder


@dataclass(frozen=True)
class WrittenReport:
    path: Path
    note: str = ""
    """Why the folder's manifest was left as it was (empty when it lists the page)."""


def write_report_in_run(staging: Path, run: RunInfo, catalog: Catalog | None) -> Path:
    """report.html in a run's staging folder; the manifest, written when the folder is
    published, lists it like every other output."""
    return write_text_atomic(staging / REPORT_FILE, render_report(read_folder(staging, run), catalog))


def write_report(folder: Path, catalog: Catalog | None, out: Path | None = None) -> WrittenReport:
    """The page for finished output ``folder``, at ``out`` (default ``folder/report.html``)."""
    absolute = Path(os.path.abspath(folder))
    target = Path(os.path.realpath(absolute)) if absolute.is_symlink() else absolute
    if not target.is_dir():
        raise InputError(f"{folder} is not a folder", hint="give the --out folder of a procure solve or whatif run")
    page = Path(out) if out is not None else target / REPORT_FILE
    if Path(os.path.realpath(page.parent)) != Path(os.path.realpath(target)):
        write_text_atomic(page, render_report(read_folder(target), catalog))
        return WrittenReport(page)
    with folder_lock(target, Path(folder)):
        reason = foreign_content(target)
        write_text_atomic(page, render_report(read_folder(target), catalog))
        if reason is not None:
            return WrittenReport(page, f"{folder} is not exactly an earlier procure run's outputs ({reason}), so its manifest does not list the page")
        add_to_manifest(target, page.name)
    return WrittenReport(page)


__all__ = ["WrittenReport", "write_report", "write_report_in_run"]
