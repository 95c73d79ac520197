"""Notebook 01's figures: how the fan-scaled schemes turn a layer's fans into a weight std.

:class:`FanStdDisplay` draws the std of each of the panel's fan-scaled schemes
(:data:`course_utils.panels.fans.FAN_SCHEMES`) against the fan-in, at a fixed
fan-out, on log-log axes, where a law :math:`c/\\sqrt{n}` is a straight line of
slope :math:`-1/2`.
"""

from __future__ import annotations

import numpy as np

from ..panels.fans import FAN_SCHEMES
from ..schemes import SCHEMES
from .._checks import check_positive_int
from . import Display

__all__ = ["FanStdDisplay"]

#: One line style per scheme, so that the lines read apart without colour.
_STYLES = ("-", "--", "-.", ":")


class FanStdDisplay(Display):
    r"""Weight std against the fan-in at a fixed fan-out, one line per fan-scaled scheme.

    Attributes:
        fan_in: the fan-ins, ``1 .. max_fan_in``.
        fan_out: the fixed fan-out.
        schemes: the schemes drawn.
        stds: ``{scheme: array of stds over fan_in}`` from :meth:`Scheme.std <course_utils.schemes.Scheme.std>`.
        slopes: ``{scheme: slope of log std against log n over the last decade}``:
            :math:`-1/2` for a fan-in scheme, flatter for Glorot while the fan-out still counts.

    Examples:
        >>> d = FanStdDisplay.from_run(max_fan_in=1000, fan_out=100)
        >>> round(float(d.stds["he_normal"][143]), 4)          # sqrt(2/144)
        0.1179
        >>> {k: round(v, 2) for k, v in d.slopes.items()}
        {'xavier': -0.5, 'normalized_xavier': -0.37, 'he_normal': -0.5, 'lecun_normal': -0.5}
    """

    preset = "single"

    @classmethod
    def from_run(cls, *, max_fan_in: int = 1000, fan_out: int = 100, schemes=FAN_SCHEMES):
        """Compute the stds for fan-ins ``1 .. max_fan_in`` at ``fan_out``."""
        max_fan_in = check_positive_int("max_fan_in", max_fan_in)
        fan_out = check_positive_int("fan_out", fan_out)
        if max_fan_in < 10:
            raise ValueError(f"max_fan_in must be at least 10 (a decade for the slope), got {max_fan_in}")
        unknown = [s for s in schemes if s not in SCHEMES]
        if unknown:
            raise ValueError(f"schemes must be names of course_utils.SCHEMES, got {unknown}")
        self = cls()
        self.fan_in = np.arange(1, max_fan_in + 1)
        self.fan_out = fan_out
        self.schemes = tuple(schemes)
        self.stds = {s: np.asarray(SCHEMES[s].std(self.fan_in, fan_out), dtype=float)
                     for s in self.schemes}
        last = max_fan_in - 1
        first = max_fan_in // 10 - 1
        self.slopes = {s: float(np.log(v[last] / v[first]) / np.log(self.fan_in[last] / self.fan_in[first]))
                       for s, v in self.stds.items()}
        return self

    def _draw(self, ax) -> None:
        from ..plots import scheme_color, scheme_label

        for k, (name, std) in enumerate(self.stds.items()):
            ax.loglog(self.fan_in, std, label=scheme_label(name), color=scheme_color(name),
                      ls=_STYLES[k % len(_STYLES)], lw=1.8)
        ax.set_xlabel(f"fan-in n (fan-out fixed at {self.fan_out})")
        ax.set_ylabel("weight std")
        ax.legend(loc="lower left")
