"""A run's output folder, written as one unit.

``with OutputDir(target, force=…, run=…) as output:`` — write every file under ``output.path``
(a hidden folder beside the target, on the same filesystem), then ``output.publish()``: the
manifest is added and the folder takes the target's place in one rename (``dir_swap``). So the
target always holds one whole run: the previous one or this one, never a mix, never half.
Leaving the ``with`` without publishing (an error, Ctrl-C, SIGTERM) deletes the folder.

Around all this an exclusive lock (``dir_lock``) keeps two runs from writing the same target,
and on entry leftovers of killed runs are cleared: staging folders are deleted, and a previous
output moved aside by a run killed in the middle of the two-rename fallback is put back.

The target may be replaced when it does not exist, is empty, or holds exactly an earlier
procure run's outputs (``manifest.foreign_content``); anything else needs ``force``, which
replaces the whole folder (nothing of the old one survives). Never replaced, even with
``force``: a folder that contains the current directory, the home directory or an input file.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from solver.errors import InputError
from solver.interrupt import interrupts_deferred
from solver.report.atomic import fsync_directory, pid_alive
from solver.report.dir_lock import DirLock, folder_lock
from solver.report.dir_swap import install_dir
from solver.report.manifest import RunInfo, foreign_content, write_manifest

STAGING = "new"
ASIDE = "old"
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.procure-(?P<kind>new|old)-(?P<pid>\d+)-[0-9a-f]+$")


def _contains(folder: Path, path: Path) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(folder)


class OutputDir:
    def __init__(self, target: Path, *, force: bool, run: RunInfo, inputs: Sequence[Path] = ()):
        self.shown = Path(target)
        """The folder as the user wrote it (messages, printed paths)."""
        absolute = Path(os.path.abspath(target))
        # A link to a folder: replace the folder it points to, keep the link.
        self.target = Path(os.path.realpath(absolute)) if absolute.is_symlink() else absolute
        self.force = force
        self.run = run
        self.inputs = tuple(inputs)
        self.path = Path()
        """The staging folder to write into (set on entering)."""
        self.published = False
        self._lock: DirLock | None = None

    # ----------------------------------------------------------------------------------------
    # Names beside the target

    def _sibling(self, kind: str) -> Path:
        return self.target.parent / f".{self.target.name}.procure-{kind}-{os.getpid()}-{secrets.token_hex(4)}"

    def shown_path(self, path: Path) -> Path:
        """Where a file written under ``self.path`` is once published, as the user names it."""
        return self.shown / Path(path).relative_to(self.path)

    # ----------------------------------------------------------------------------------------
    # Entering: lock, clear leftovers, check, create the staging folder

    def __enter__(self) -> "OutputDir":
        if not self.target.name:
            raise InputError(f"cannot use {self.shown} as an output folder", hint="choose another --out")
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(f"cannot create directory {self.target.parent}: {err.strerror or err}") from None
        lock = folder_lock(self.target, self.shown)
        lock.__enter__()
        try:
            self._clear_leftovers()
            self._check_replaceable()
            self.path = self._sibling(STAGING)
            self.path.mkdir()
        except OSError as err:
            lock.__exit__(None, None, None)
            raise InputError(f"cannot create a folder beside {self.shown}: {err.strerror or err}") from None
        except BaseException:
            lock.__exit__(None, None, None)
            raise
        self._lock = lock
        return self

    def _leftovers(self) -> list[tuple[str, Path]]:
        """(kind, path) of staging and aside folders of this target left by runs now dead."""
        found = []
        for entry in self.target.parent.iterdir():
            match = _LEFTOVER.match(entry.name)
            if match and match["name"] == self.target.name and not pid_alive(int(match["pid"])):
                found.append((match["kind"], entry))
        return found

    def _clear_leftovers(self) -> None:
        leftovers = self._leftovers()
        aside = sorted((path for kind, path in leftovers if kind == ASIDE), key=lambda path: path.stat().st_mtime)
        if aside and not os.path.lexists(self.target):
            # A run was killed between moving the old output aside and moving its own in.
            os.rename(aside.pop(), self.target)
        for _kind, path in leftovers:
            if os.path.lexists(path):
                shutil.rmtree(path, ignore_errors=True)

    def _check_replaceable(self) -> None:
        if not os.path.lexists(self.target):
            return
        if not self.target.is_dir():
            raise InputError(f"output path {self.shown} exists and is not a directory", hint="choose another --out")
        try:
            empty = not any(self.target.iterdir())
        except OSError as err:
            raise InputError(f"cannot read output directory {self.shown}: {err.strerror or err}") from None
        if empty:
            return
        folder = Path(os.path.realpath(self.target))
        for label, path in (("the current directory", Path.cwd()), ("your home directory", Path.home()), *(("an input file", p) for p in self.inputs)):
            if _contains(folder, path):
                raise InputError(f"refusing to replace {self.shown}: it contains {label} ({path})", hint="choose another --out")
        if self.force:
            return
        reason = foreign_content(self.target)
        if reason is not None:
            raise InputError(
                f"output directory {self.shown} is not empty and is not an earlier procure run's output: {reason}",
                hint="pass --force to replace the whole folder, or choose another --out",
            )

    # ----------------------------------------------------------------------------------------
    # Publishing and leaving

    def publish(self) -> None:
        """Add the manifest and put the staging folder in the target's place."""
        # Checked again: the folder may have changed (or been created) while this run solved.
        self._check_replaceable()
        write_manifest(self.path, self.run)
        with interrupts_deferred():
            try:
                old = install_dir(self.path, self.target, self._sibling(ASIDE))
                fsync_directory(self.target.parent)
            except OSError as err:
                raise InputError(f"cannot put the outputs in place at {self.shown}: {err.strerror or err}") from None
            self.published = True
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        try:
            if not self.published:
                with interrupts_deferred():
                    shutil.rmtree(self.path, ignore_errors=True)
        finally:
            if self._lock is not None:
                self._lock.__exit__(kind, error, trace)
                self._lock = None


__all__ = ["OutputDir", "RunInfo"]
