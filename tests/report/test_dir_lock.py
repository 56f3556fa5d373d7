"""The output-folder lock: exclusive, released (and its file removed) on exit."""

from __future__ import annotations

import multiprocessing

import pytest

from solver.errors import InputError
from solver.report.dir_lock import DirLock


def _hold_in_child(lock_path, ready, release):
    with DirLock(lock_path, lock_path):
        ready.set()
        release.wait(10)


def test_second_holder_is_refused_with_the_folder_named(tmp_path):
    lock_path = tmp_path / ".out.procure-lock"
    context = multiprocessing.get_context("fork")
    ready, release = context.Event(), context.Event()
    child = context.Process(target=_hold_in_child, args=(lock_path, ready, release))
    child.start()
    try:
        assert ready.wait(10)
        with pytest.raises(InputError) as excinfo:
            with DirLock(lock_path, tmp_path / "out"):
                pass
        assert excinfo.value.message == f"another procure run is writing {tmp_path / 'out'}"
    finally:
        release.set()
        child.join(10)
    with DirLock(lock_path, tmp_path / "out"):  # free again once the holder is gone
        assert lock_path.exists()
    assert not lock_path.exists()


def test_lock_file_replaced_under_a_waiter_is_locked_afresh(tmp_path):
    lock_path = tmp_path / ".out.procure-lock"
    with DirLock(lock_path, tmp_path):
        pass
    lock_path.write_text("")  # a stale file from a killed run
    with DirLock(lock_path, tmp_path):
        assert lock_path.exists()
    assert not lock_path.exists()
