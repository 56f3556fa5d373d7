"""Forked worker processes: how many, when forking is safe, and stopping them at once."""

from __future__ import annotations

import os
import threading
import time

import pytest

from solver import preload, processes


def test_default_jobs_follow_the_usable_cores(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert processes.default_jobs() == 3


def test_forking_waits_for_background_imports_and_refuses_beside_another_thread():
    if threading.active_count() != 1:
        pytest.skip("the test runner has threads of its own")
    preload.preload(["json.tool"])  # a background import: waited for, then forking is safe
    assert processes.forking_is_safe()
    assert threading.active_count() == 1
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not processes.forking_is_safe()
    finally:
        release.set()
        other.join()
    outcome: list[bool] = []
    worker = threading.Thread(target=lambda: outcome.append(processes.forking_is_safe()))
    worker.start()
    worker.join()
    assert outcome == [False]  # only the main thread may fork


def test_leaving_a_pool_by_an_exception_stops_its_workers_at_once():
    if not processes.forking_is_safe():
        pytest.skip("forking is not safe here")
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        with processes.forked_pool(1) as pool:
            future = pool.submit(time.sleep, 60)
            workers = list(pool._processes.values())
            raise KeyboardInterrupt
    assert time.perf_counter() - started < 10
    assert workers and not any(worker.is_alive() for worker in workers)


def test_leaving_a_pool_normally_waits_for_its_work():
    if not processes.forking_is_safe():
        pytest.skip("forking is not safe here")
    with processes.forked_pool(2) as pool:
        futures = [pool.submit(pow, 2, n) for n in range(5)]
    assert [future.result() for future in futures] == [1, 2, 4, 8, 16]


_HALF_SENT = """
import os, struct, sys, time
from solver import processes

def half_a_result():
    # Stand in for a worker stopped while sending a large result: announce 1 MB, send 10 bytes.
    result_queue = sys._getframe(1).f_locals["result_queue"]
    os.write(result_queue._writer.fileno(), struct.pack("!i", 1_000_000) + b"x" * 10)
    time.sleep(60)

try:
    with processes.forked_pool(1) as pool:
        pool.submit(half_a_result)
        time.sleep(1.0)  # the manager thread is now reading the rest of the message
        raise KeyboardInterrupt
except KeyboardInterrupt:
    print("stopped")
"""


def test_a_worker_stopped_halfway_through_sending_a_result_does_not_hang_the_pool():
    import subprocess
    import sys

    if not processes.forking_is_safe():
        pytest.skip("forking is not safe here")
    # In a child process: before the fix, stopping the pool waited for the rest of the message for ever.
    done = subprocess.run([sys.executable, "-c", _HALF_SENT], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "stopped", done.stderr
