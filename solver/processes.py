"""Worker processes forked from this one: how many, whether forking is safe here, and a pool
that stops its workers at once when the caller is interrupted.

Forked workers inherit everything already computed (catalog, problem, estimates) without
pickling it. Forking is safe only from the main thread while no other thread runs: a child
gets only the forking thread, and a lock another thread held at that moment (an import's,
say) stays held in the child for ever. Background imports (solver.preload) are waited for
first; any other thread means the work runs here instead, with the same result.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from solver import preload

WORKER_EXIT_SECONDS = 2.0


def default_jobs() -> int:
    """One worker process per core this process may run on (a container's CPU set, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def forking_is_safe() -> bool:
    """Whether this process may fork workers now (see the module docstring); waits for
    background imports to finish."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return False
    if multiprocessing.current_process().daemon:
        return False  # a daemonic worker may not have children
    preload.finish()
    return threading.active_count() == 1


def ignore_interrupts_in_worker() -> None:
    """Pool initializer: the forking process handles Ctrl-C (which reaches the whole process
    group) and stops its workers; a worker must not stop on its own, nor outlive SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def fork_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool of `jobs` workers, forked at its first submit (call only where ``forking_is_safe()``)."""
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"), initializer=ignore_interrupts_in_worker)


def stop_pool(executor: ProcessPoolExecutor) -> None:
    """Stop a pool's workers at once, whatever they are doing (SIGTERM, then SIGKILL after
    WORKER_EXIT_SECONDS), and release the pool (its manager thread ends on seeing them gone, so
    no thread is left behind)."""
    # ProcessPoolExecutor has no public way to stop running work; _processes is its
    # pid → Process map in every CPython version procure supports.
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=WORKER_EXIT_SECONDS)
        if process.is_alive():
            process.kill()
            process.join(timeout=WORKER_EXIT_SECONDS)
    # A worker stopped halfway through sending its result leaves the manager thread reading the
    # rest for ever: the pipe's other write end is this process's (forked workers share it), so
    # no end of file comes. This process never writes results; closing its end gives the reader
    # its end of file, the manager sees the pool broken, and the shutdown below can join it.
    result_queue = getattr(executor, "_result_queue", None)
    if result_queue is not None:
        result_queue._writer.close()
    executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def forked_pool(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """``fork_pool`` for a block: leaving it normally waits for the submitted work; leaving it
    by an exception (an interrupt) stops the workers at once instead of letting them finish."""
    executor = fork_pool(jobs)
    try:
        yield executor
    except BaseException:
        stop_pool(executor)
        raise
    executor.shutdown(wait=True)


__all__ = ["WORKER_EXIT_SECONDS", "default_jobs", "fork_pool", "forked_pool", "forking_is_safe", "ignore_interrupts_in_worker", "stop_pool"]
