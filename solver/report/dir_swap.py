"""Put a finished folder in place of an output folder in one step.

``rename`` cannot replace a non-empty folder. On Linux, ``renameat2(RENAME_EXCHANGE)`` swaps
two paths atomically: whoever looks at the target sees the old folder or the new one, never a
mix. Where that is missing (another OS, an old C library, a filesystem without it) two renames
do the job: old → aside, new → target. Between them the target is briefly absent and the old
folder sits whole under its aside name, so it can be put back (``OutputDir`` does that on the
next run if this one was killed there).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
from collections.abc import Callable
from pathlib import Path

AT_FDCWD = -100
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
# renameat2 exists but cannot do this here (old kernel, filesystem without the flag).
_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EPERM})


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def rename_with_flags(source: Path, target: Path, flags: int) -> bool:
    """``renameat2(source, target, flags)``: True when done, False when unsupported here.

    Other failures raise OSError (FileExistsError for RENAME_NOREPLACE onto an existing path).
    """
    function = _renameat2()
    if function is None:
        return False
    if function(AT_FDCWD, os.fsencode(source), AT_FDCWD, os.fsencode(target), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(source), None, str(target))


def install_dir(new: Path, target: Path, aside: Path) -> Path | None:
    """Move folder ``new`` to ``target``, replacing what is there.

    Returns where the replaced folder now is (for the caller to delete), or None when there was
    none. ``aside`` is the name the old folder takes when the two-rename fallback is needed.
    """
    if not os.path.lexists(target):
        try:
            if rename_with_flags(new, target, RENAME_NOREPLACE):
                return None
        except FileExistsError:
            pass  # it appeared since we looked: replace it like any existing folder
        else:
            os.rename(new, target)
            return None
    if rename_with_flags(new, target, RENAME_EXCHANGE):
        return new  # the old folder now has the new one's former name
    os.rename(target, aside)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(aside, target)
        raise
    return aside


__all__ = ["RENAME_EXCHANGE", "RENAME_NOREPLACE", "install_dir", "rename_with_flags"]
