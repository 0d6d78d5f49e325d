"""SQLite writers of one process take their turns in arrival order."""

from __future__ import annotations

import threading
import time

from backorder.db.uow import FifoLock


def test_waiters_get_the_lock_in_the_order_they_asked() -> None:
    lock = FifoLock()
    order: list[int] = []

    def take(n: int) -> None:
        with lock:
            order.append(n)

    threads = []
    with lock:
        for n in range(6):
            thread = threading.Thread(target=take, args=(n,))
            thread.start()
            threads.append(thread)
            while len(lock._waiters) < n + 1:  # wait until it queues behind the others
                time.sleep(0.001)
    for thread in threads:
        thread.join(timeout=5)
    assert order == list(range(6))


def test_the_lock_is_free_again_after_the_last_holder() -> None:
    lock = FifoLock()
    with lock:
        pass
    acquired = threading.Event()
    threading.Thread(target=lambda: lock.__enter__() and acquired.set()).start()
    assert acquired.wait(timeout=5)
