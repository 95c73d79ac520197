"""Work a panel does while the kernel is idle: warm layouts and prefetched model computations.

An :class:`IdleScheduler` belongs to one panel and holds its queue; it asks an
:class:`~course_utils.widgets.events.ActivityClock` whether the kernel is
quiet. Work runs one item per turn of the asyncio loop after ``idle_seconds``
without activity, so that a message waiting (a slider move) is handled before
the next item. Outside a running event loop (a script, a test) nothing is
scheduled: :meth:`IdleScheduler.drain` runs the queue at once.
"""

from __future__ import annotations

import asyncio
from typing import Callable, Hashable, Optional

from .events import ActivityClock

__all__ = ["IDLE_SECONDS", "IdleScheduler"]

#: Seconds without a cell running or a control moving before idle work runs.
IDLE_SECONDS = 1.0
#: Seconds between two items once the kernel is quiet (a turn of the loop, not a wait).
_NEXT_ITEM_SECONDS = 0.01
#: Shortest wait before asking the clock again.
_RECHECK_SECONDS = 0.1


class IdleScheduler:
    """A queue of idle work, run when the kernel has been quiet for ``idle_seconds``.

    Args:
        run: ``run(item)`` does one item (the panel's: draw a layout, call a prefetch).
        clock: the :class:`ActivityClock` that says when the kernel was last busy
            (default: the running shell's, see :meth:`ActivityClock.for_shell`).
        idle_seconds: the quiet period before work runs.

    Examples:
        >>> done = []
        >>> idle = IdleScheduler(done.append, clock=ActivityClock())
        >>> idle.add(("layout", 20)); idle.add(("layout", 20)); idle.pending
        [('layout', 20)]
        >>> idle.drain(); done
        [('layout', 20)]
    """

    def __init__(self, run: Callable[[Hashable], None], *, clock: Optional[ActivityClock] = None,
                 idle_seconds: float = IDLE_SECONDS):
        if not idle_seconds > 0:
            raise ValueError(f"idle_seconds must be > 0, got {idle_seconds!r}")
        self._run = run
        self.clock = ActivityClock.for_shell() if clock is None else clock
        self.idle_seconds = idle_seconds
        self._queue: list = []
        self._timer = None

    @property
    def pending(self) -> list:
        """The items not run yet, in order (a copy)."""
        return list(self._queue)

    def add(self, item: Hashable) -> None:
        """Queue ``item`` unless it is queued already."""
        if item not in self._queue:
            self._queue.append(item)

    def drain(self) -> None:
        """Run every queued item now (what the idle kernel would do, in order)."""
        while self._queue:
            self._run(self._queue.pop(0))

    def schedule(self, delay: Optional[float] = None) -> None:
        """Ask the running event loop to look for idle time in ``delay`` seconds (default: ``idle_seconds``).

        No-op when nothing is queued, a timer is already set, or no loop runs.
        """
        if not self._queue or self._timer is not None:
            return
        loop = _running_loop()
        if loop is None:
            return
        self._timer = loop.call_later(self.idle_seconds if delay is None else delay, self._when_idle)

    def _when_idle(self) -> None:
        self._timer = None
        if not self._queue:
            return
        quiet = self.clock.quiet_seconds()
        if self.clock.running or quiet < self.idle_seconds:
            self.schedule(max(self.idle_seconds - quiet, _RECHECK_SECONDS))
            return
        self._run(self._queue.pop(0))
        self.schedule(_NEXT_ITEM_SECONDS)


def _running_loop():
    """The running asyncio loop, or ``None``."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
