"""Numpy-only parts every panel model shares: seeds, bins, depth axes, captions.

* :func:`child_seeds`: named child seeds derived from one seed (the one
  seeding rule of every panel).
* :class:`~course_utils.panels.corner.CornerWeights`,
  :class:`~course_utils.panels.corner.CornerPropagation` (in :mod:`.corner`):
  one weight draw per scheme at the largest size, any smaller (depth, width).
* :func:`bin_heights`: histogram heights in the unit the y axis says.
* :func:`depth_axis_limit`: a depth axis fitted to the layers shown, in a few steps.
* :class:`Table`, :class:`Caption`: a caption as HTML and as deterministic plain text.
"""

from __future__ import annotations

import html
import math
import zlib
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .._checks import is_integer, check_choice, check_positive_int

__all__ = ["child_seeds", "bin_heights", "depth_axis_limits", "power_of_ten", "SUPERSCRIPT", "SUBSCRIPT",
           "depth_axis_limit", "Table", "Caption", "fmt"]


# ---------------------------------------------------------------- seeds
def child_seeds(seed: int, *names: str) -> tuple:
    """Return one seed per name, derived from ``seed`` and the name alone.

    A child seed depends only on ``(seed, name)``: adding a name, or asking
    in another order, leaves the other children unchanged (unlike drawing
    them one after another from a master generator).

    Args:
        seed: a non-negative integer.
        names: the children's names (``"weights"``, ``"input"``, ...).

    Returns:
        A tuple of ints in ``[0, 2**32)``, one per name.

    Examples:
        >>> a, b = child_seeds(0, "weights", "input")
        >>> child_seeds(0, "input", "extra")[0] == b
        True
        >>> len({a, b}), child_seeds(1, "weights")[0] != a
        (2, True)
    """
    if not is_integer(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not names:
        raise ValueError("names must hold at least one name, got none")
    out = []
    for name in names:
        if not isinstance(name, str) or not name:
            raise ValueError(f"names must be non-empty strings, got {name!r}")
        sequence = np.random.SeedSequence([int(seed), zlib.crc32(name.encode())])
        out.append(int(sequence.generate_state(1, np.uint32)[0]))
    return tuple(out)


# ------------------------------------------------------------------ bins
def bin_heights(values, edges, scale: str = "density") -> np.ndarray:
    """Histogram heights of ``values`` over ``edges`` in the unit the y axis names.

    ``"density"``: count / (n * bin width), comparable with a probability
    density; ``"fraction"``: count / n, the share of values in each bin.
    Values outside the edges count in ``n`` but in no bin.

    Examples:
        >>> bin_heights([0.1, 0.2, 0.7, 5.0], [0.0, 0.5, 1.0], "fraction").tolist()
        [0.5, 0.25]
        >>> bin_heights([0.1, 0.2, 0.7, 5.0], [0.0, 0.5, 1.0]).tolist()
        [1.0, 0.5]
    """
    scale = check_choice("scale", scale, ("density", "fraction"))
    values = np.ravel(values)
    edges = np.asarray(edges, dtype=float)
    counts, _ = np.histogram(values, bins=edges)
    heights = counts / max(values.size, 1)
    return heights / np.diff(edges) if scale == "density" else heights


def depth_axis_limit(depth: int) -> int:
    """The right end of a depth axis that shows ``depth`` layers: fitted, in steps of 10.

    At most 9 empty layers on the axis (a depth of 21 is drawn on 30), and a
    panel redraws its axes only when the depth crosses a step: five layouts
    cover depths up to 50, few enough for a panel to draw them all ahead of the first visit.

    Examples:
        >>> [depth_axis_limit(d) for d in (1, 10, 11, 20, 21, 30, 31)]
        [10, 10, 20, 20, 30, 30, 40]
    """
    depth = check_positive_int("depth", depth)
    return int(-(-depth // 10) * 10)


def depth_axis_limits(max_depth: int) -> tuple:
    """Every :func:`depth_axis_limit` of depths 1..``max_depth`` (the layouts a panel warms).

    Examples:
        >>> depth_axis_limits(50)
        (10, 20, 30, 40, 50)
    """
    return tuple(range(10, depth_axis_limit(max_depth) + 1, 10))


# -------------------------------------------------------------- captions
#: Digits (and minus) as Unicode superscripts / subscripts: plain text that captions and
#: figure labels share (matplotlib draws it without its mathtext parser).
SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def power_of_ten(x: float) -> str:
    """``10`` with the (rounded) exponent of ``x`` as a superscript, as the log axes label it.

    Examples:
        >>> power_of_ten(1e-8), power_of_ten(1e8)
        ('10⁻⁸', '10⁸')
    """
    return "10" + str(round(math.log10(x))).translate(SUPERSCRIPT)


def fmt(x: float, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, the same on every machine.

    Examples:
        >>> fmt(0.000123456), fmt(1234567.0), fmt(float("nan")), fmt(2.0)
        ('0.000123', '1.23e+06', 'nan', '2')
    """
    return f"{float(x):.{digits}g}"


@dataclass(frozen=True)
class Table:
    """A small table for a caption: a header row and rows of strings.

    Examples:
        >>> t = Table(("scheme", "std"), (("he_normal", "0.125"), ("xavier", "0.0361")))
        >>> print(t.text())
        scheme     std
        he_normal  0.125
        xavier     0.0361
        >>> t.html()[:33]
        '<table><thead><tr><th>scheme</th>'
    """

    header: tuple
    rows: tuple
    colors: Optional[tuple] = None   # optional CSS colour of each row's first cell (HTML only)

    def __post_init__(self):
        width = len(self.header)
        for row in self.rows:
            if len(row) != width:
                raise ValueError(f"rows must have {width} cells like the header, got {row!r}")
        if self.colors is not None and len(self.colors) != len(self.rows):
            raise ValueError(f"colors must give one colour per row ({len(self.rows)}), "
                             f"got {len(self.colors)}")

    def html(self) -> str:
        """The table as HTML (escaped; a row's first cell coloured when ``colors`` is given)."""
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in self.header)
        body = []
        for i, row in enumerate(self.rows):
            cells = [html.escape(str(c)) for c in row]
            if self.colors is not None and self.colors[i]:
                cells[0] = f"<span style='color:{self.colors[i]}'>&#9632;</span> {cells[0]}"
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"

    def text(self) -> str:
        """The table as aligned plain text (deterministic: what nbval compares)."""
        grid = [tuple(str(c) for c in self.header)] + [tuple(str(c) for c in r) for r in self.rows]
        widths = [max(len(row[j]) for row in grid) for j in range(len(self.header))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
                         for row in grid)


@dataclass(frozen=True)
class Caption:
    """What a panel says under its picture: a title, sentences, an optional table, notes.

    Written once, shown three ways: :meth:`html` in the live panel and the
    static snapshot, :meth:`text` as the snapshot's ``text/plain`` (GitHub,
    nbval), ``str(caption)`` in a terminal.

    Examples:
        >>> c = Caption("He + ReLU", ("The std stays near 1.",), notes=("Fixed y scale.",))
        >>> print(c.text())
        He + ReLU. The std stays near 1.
        Fixed y scale.
        >>> c.html()
        '<p><b>He + ReLU.</b> The std stays near 1.</p><p><small>Fixed y scale.</small></p>'
    """

    title: str
    sentences: tuple = ()
    table: Optional[Table] = None
    notes: tuple = ()

    def _lead(self) -> tuple:
        title = self.title if self.title.endswith((".", ":", "?", "!")) else self.title + "."
        return title, " ".join(self.sentences)

    def html(self) -> str:
        """The caption as HTML."""
        title, body = self._lead()
        parts = [f"<p><b>{html.escape(title)}</b> {html.escape(body)}".rstrip() + "</p>"]
        if self.table is not None:
            parts.append(self.table.html())
        if self.notes:
            parts.append(f"<p><small>{html.escape(' '.join(self.notes))}</small></p>")
        return "".join(parts)

    def text(self) -> str:
        """The caption as plain text."""
        title, body = self._lead()
        parts = [f"{title} {body}".rstrip()]
        if self.table is not None:
            parts.append(self.table.text())
        if self.notes:
            parts.append(" ".join(self.notes))
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.html()
