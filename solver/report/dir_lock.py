"""An exclusive lock on an output folder, so two runs cannot write the same folder at once.

The lock is ``flock`` on a hidden file beside the folder (the folder itself is replaced by a
rename, so it cannot carry the lock). The file is removed on release; to make that safe, a
run that wins the lock checks that the file it locked is still the one at the path (another
run may have removed it in between) and tries again if not.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from types import TracebackType

from solver.errors import InputError


class DirLock:
    """``with DirLock(lock_path, shown): ...`` holds the lock or raises InputError at once."""

    def __init__(self, lock_path: Path, shown: Path):
        self.lock_path = lock_path
        self.shown = shown
        """The output folder as the user named it (for the message)."""
        self._descriptor: int | None = None

    def __enter__(self) -> "DirLock":
        while True:
            try:
                descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as err:
                raise InputError(f"cannot create lock file {self.lock_path}: {err.strerror or err}") from None
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                os.close(descriptor)
                if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise InputError(
                        f"another procure run is writing {self.shown}",
                        hint="wait for it to finish, or choose another --out",
                    ) from None
                raise InputError(f"cannot lock {self.lock_path}: {err.strerror or err}") from None
            if self._still_at_path(descriptor):
                self._descriptor = descriptor
                return self
            os.close(descriptor)  # the holder before us removed the file: lock the new one

    def _still_at_path(self, descriptor: int) -> bool:
        try:
            at_path = os.stat(self.lock_path)
        except FileNotFoundError:
            return False
        held = os.fstat(descriptor)
        return (held.st_dev, held.st_ino) == (at_path.st_dev, at_path.st_ino)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._descriptor is None:
            return
        try:
            self.lock_path.unlink(missing_ok=True)  # still locked: a waiting run re-checks the path
        finally:
            os.close(self._descriptor)
            self._descriptor = None


def folder_lock(target: Path, shown: Path) -> DirLock:
    """The lock of output folder ``target``: a hidden file beside it, ``.NAME.procure-lock``."""
    return DirLock(target.parent / f".{target.name}.procure-lock", shown)


__all__ = ["DirLock", "folder_lock"]
