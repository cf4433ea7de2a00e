"""Background work at a lower CPU priority than the live path, for threads this process starts (Linux).

Whisper finals take both cores for a few hundred milliseconds after each phrase. The streaming partials, the relay's
event loop (media, data channel) and the end-of-turn model of every other live session must not wait behind them:
a few hundred milliseconds later a final changes nothing for the candidate, a partial that late is a stall. So the
finals' threads run at a higher nice value. Linux lets any thread raise its own nice value or another thread's of
the same process without privileges; the scheduler then gives a nice-10 thread about a tenth of a core's share of a
nice-0 one that wants the same core, and the whole of a core nobody else wants. Threads inherit the nice value of
the thread that starts them, so OpenMP workers a finals thread starts later are lowered too."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

_TASKS = Path("/proc/self/task")
T = TypeVar("T")


def supported() -> bool:
    return _TASKS.is_dir() and hasattr(os, "setpriority")


def thread_ids() -> set[int]:
    return {int(name) for name in os.listdir(_TASKS)} if supported() else set()


def lower(thread_id: int, niceness: int) -> None:
    """Raise the nice value of one thread of this process to `niceness` (never lowers it: that needs privileges)."""
    try:
        if os.getpriority(os.PRIO_PROCESS, thread_id) < niceness:
            os.setpriority(os.PRIO_PROCESS, thread_id, niceness)
    except OSError:  # the thread has ended meanwhile, or the system refuses: the work still runs, only sooner
        log.debug("could not lower the priority of thread %d", thread_id, exc_info=True)


def lower_this_thread(niceness: int) -> None:
    """For a ThreadPoolExecutor's initializer: the executor's threads, and what they start, run at `niceness`."""
    if niceness > 0 and supported():
        lower(threading.get_native_id(), niceness)


@contextmanager
def threads_started_here_lowered(niceness: int) -> Iterator[None]:
    """The threads started inside the block (a native library's worker pool, say) run at `niceness` afterwards."""
    if niceness <= 0 or not supported():
        yield
        return
    before = thread_ids()
    yield
    for thread_id in thread_ids() - before:
        lower(thread_id, niceness)


def built_lowered(build: Callable[[], T], niceness: int) -> T:
    with threads_started_here_lowered(niceness):
        return build()
