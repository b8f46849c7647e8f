"""A few threads running probes (each a child process) in priority order.

A probe the parser needs now must never wait behind probes started ahead of
need: :meth:`ProbePool.claim` lets the caller take a queued job and run it on
its own thread instead.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

# lower runs first
NEEDED_DURING_PARSE = 0
NEEDED_AFTER_PARSE = 1


class ProbePool:
    def __init__(self, width: int, name: str = "kconfig-probe") -> None:
        self.width = width
        self.name = name
        self._queue: queue.PriorityQueue[tuple[int, int, Future[Any] | None, Callable[[], Any] | None]] = \
            queue.PriorityQueue()
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._closed = False

    def submit(self, priority: int, job: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is shut down")
            self._queue.put((priority, next(self._order), future, job))
            if len(self._threads) < self.width:
                t = threading.Thread(target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True)
                self._threads.append(t)
                t.start()
        return future

    def claim(self, future: Future[Any]) -> bool:
        """Take a job that has not started: True when the caller must now run
        it (and set its result) itself."""
        # Under the lock a pending job stays pending (only a claim starts it, only
        # shutdown drops it), but a running one may finish at any moment: asking
        # done() first could see it running, then running() see it finished.
        with self._lock:
            return not future.running() and not future.done() and future.set_running_or_notify_cancel()

    def shutdown(self) -> None:
        """Drop queued jobs, let running ones finish, end the threads."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        while True:
            try:
                _, _, future, _ = self._queue.get_nowait()
            except queue.Empty:
                break
            if future is not None:
                with self._lock:
                    future.cancel()
        for _ in threads:
            self._queue.put((1 << 30, next(self._order), None, None))
        for t in threads:
            t.join()

    def _work(self) -> None:
        while True:
            _, _, future, job = self._queue.get()
            if future is None or job is None:
                return
            if not self.claim(future):
                continue  # claimed by a waiting caller, or dropped
            try:
                future.set_result(job())
            except BaseException as e:  # noqa: BLE001 - handed to whoever waits for it
                future.set_exception(e)
