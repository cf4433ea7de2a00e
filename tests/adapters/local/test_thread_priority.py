"""Whisper finals run at a lower CPU priority than the live path: the threads a native library starts while the
model loads, and the finals' executor thread (with what it starts later), get the configured nice value."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from rehearse.adapters.local.thread_priority import built_lowered, lower_this_thread, supported

pytestmark = pytest.mark.skipif(not supported(), reason="per-thread nice values are Linux's")


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _parked_thread() -> tuple[threading.Thread, threading.Event, list[int]]:
    release, seen = threading.Event(), []

    def park() -> None:
        seen.append(threading.get_native_id())
        release.wait()

    thread = threading.Thread(target=park, daemon=True)
    thread.start()
    while not seen:
        pass
    return thread, release, seen


def test_threads_started_while_a_model_loads_run_at_the_lower_priority_and_the_caller_does_not():
    before = _nice()
    thread, release, seen = built_lowered(_parked_thread, 10)
    try:
        assert os.getpriority(os.PRIO_PROCESS, seen[0]) == max(10, before)
        assert _nice() == before  # the thread that loaded the model (the server's main thread) keeps its priority
    finally:
        release.set()
        thread.join()


def test_the_finals_executor_and_the_threads_it_starts_run_at_the_lower_priority():
    before = _nice()
    with ThreadPoolExecutor(max_workers=1, initializer=lower_this_thread, initargs=(10,)) as executor:
        assert executor.submit(_nice).result() == 10
        thread, release, seen = executor.submit(_parked_thread).result()  # an OpenMP pool starting on first use
        try:
            assert os.getpriority(os.PRIO_PROCESS, seen[0]) == 10
        finally:
            release.set()
            thread.join()
    assert _nice() == before  # the thread that made the executor keeps its priority


def test_zero_leaves_every_priority_alone():
    before = _nice()
    thread, release, seen = built_lowered(_parked_thread, 0)
    try:
        assert os.getpriority(os.PRIO_PROCESS, seen[0]) == before
    finally:
        release.set()
        thread.join()
