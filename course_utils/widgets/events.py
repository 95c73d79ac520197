"""The event glue: when the kernel was last busy, and which control moves reach a panel.

A panel's idle work (see :mod:`course_utils.widgets.idle`) waits for the
kernel to be quiet: no cell running and no control of *any* panel moving.
:class:`ActivityClock` keeps that time. One clock belongs to each IPython
shell (it watches that shell's cells), and every panel built in it shares it,
so a learner dragging one panel's slider holds back every panel's idle work.
Outside IPython each panel gets a clock of its own.
"""

from __future__ import annotations

import time
from typing import Callable, Mapping, Optional

__all__ = ["ActivityClock", "observe_controls"]

#: The attribute under which a shell keeps its clock: the shell owns the clock, the module holds no state.
_SHELL_ATTRIBUTE = "initlab_activity_clock"


class ActivityClock:
    """When the kernel was last busy: a cell starting or ending, a control moving.

    Attributes:
        last: ``time.monotonic()`` of the latest activity (0: none yet).
        running: whether a cell is running now (known only once :meth:`watch` hooked a shell).
    """

    def __init__(self):
        self.last = 0.0
        self.running = False
        self.shell = None

    @classmethod
    def for_shell(cls, shell=None) -> "ActivityClock":
        """The clock of ``shell`` (default: the running IPython shell), made and hooked on first use.

        Without IPython (a script, a test) a new clock that watches no cells.
        """
        if shell is None:
            shell = _current_shell()
        if shell is None:
            return cls()
        clock = getattr(shell, _SHELL_ATTRIBUTE, None)
        if clock is None:
            clock = cls()
            clock.watch(shell)
            setattr(shell, _SHELL_ATTRIBUTE, clock)
        return clock

    def note(self, *_args) -> None:
        """Record activity now (also usable as an event callback)."""
        self.last = time.monotonic()

    def quiet_seconds(self) -> float:
        """Seconds since the latest activity."""
        return time.monotonic() - self.last

    def watch(self, shell) -> None:
        """Follow ``shell``'s cells through its ``pre_run_cell``/``post_run_cell`` events."""
        if self.shell is not None:
            raise RuntimeError("this clock already watches a shell")

        def started(*_args):
            self.running = True
            self.note()

        def finished(*_args):
            self.running = False
            self.note()

        shell.events.register("pre_run_cell", started)
        shell.events.register("post_run_cell", finished)
        self.shell = shell


def _current_shell():
    """The running IPython shell, or ``None`` (no IPython, or not inside one)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def observe_controls(controls: Mapping[str, object], on_change: Callable[[], None],
                     clock: Optional[ActivityClock] = None) -> None:
    """Call ``on_change()`` on every change of a control's value, noting the activity around it.

    The time is noted before and after ``on_change``: the redraw itself is
    activity, and the quiet period starts when it ends.
    """
    def changed(_change):
        if clock is not None:
            clock.note()
        on_change()
        if clock is not None:
            clock.note()

    for control in controls.values():
        control.observe(changed, names="value")
