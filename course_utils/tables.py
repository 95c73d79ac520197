r"""Markdown tables for the notebooks (the package's one Markdown writer): from SCHEMES and from training.

Each ``*_markdown`` function returns a plain string in GitHub-flavoured
Markdown; a notebook shows it with ``IPython.display.Markdown(...)``. The rows
behind each table are available too (:func:`std_table`), so that a notebook
can assert on the same numbers it displays. Nothing here imports matplotlib
or IPython.

Examples:
    >>> print(markdown_table([{"a": "1", "b": "x|y"}], ["a", "b"]))
    | a | b |
    |---|---|
    | 1 | x\|y |
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Optional, Sequence

from ._checks import check_nonnegative_int, check_positive_int
from .schemes import AV, GFG, MLM, SCHEMES, naming_table

__all__ = ["markdown_table", "naming_table_markdown", "std_table", "std_table_markdown",
           "accuracy_table_markdown"]

#: The source articles, in the column order of :func:`naming_table_markdown`.
SOURCES = (MLM, GFG, AV)


def _escape(text: str) -> str:
    """Escape the characters that Markdown would read as emphasis in plain text."""
    return str(text).replace("_", "\\_").replace("*", "\\*")


def _framework_cell(name: Optional[str], note: str) -> str:
    """A framework name in code font with its note after it; no name: the note alone, in brackets."""
    if name is None:
        return f"({_escape(note)})" if note else ""
    return f"`{name}`" + (f" ({_escape(note)})" if note else "")


def markdown_table(rows: Iterable[Mapping[str, object]], columns: Sequence[str],
                   headers: Optional[Sequence[str]] = None) -> str:
    """Render ``rows`` (mappings) as a Markdown table with the given ``columns``.

    Cell values are used as given, except that a ``|`` is escaped so that it
    cannot split a cell; missing keys give empty cells.

    Args:
        rows: one mapping per row.
        columns: the keys to show, in order.
        headers: the column titles (default: the keys).

    Returns:
        The table as one string, lines separated by ``\\n``.

    Examples:
        >>> print(markdown_table([{"n": 3, "m": 2}], ["n", "m"], ["fan-in", "fan-out"]))
        | fan-in | fan-out |
        |---|---|
        | 3 | 2 |
    """
    columns = list(columns)
    headers = list(columns if headers is None else headers)
    if len(headers) != len(columns):
        raise ValueError(f"headers must have one title per column ({len(columns)}), "
                         f"got {len(headers)}")

    def cell(value) -> str:
        # A bare | would end the cell early (even inside a code span, in GFM tables).
        return re.sub(r"(?<!\\)\|", r"\\|", str(value).replace("\n", " "))

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)


def naming_table_markdown() -> str:
    """Return the naming translation table (course, Keras, PyTorch, each article) as Markdown.

    One row per entry of :data:`~course_utils.SCHEMES`, in the course's order,
    built on :func:`course_utils.schemes.naming_table`. Framework names are set
    in code font; an empty cell means the article does not discuss the scheme.
    The MachineLearningMastery tutorial's "xavier" is the course's ``xavier``
    (eq. 1 of Glorot & Bengio, 2010), while Keras and PyTorch give that name to
    the course's ``normalized_xavier`` (eq. 16): the table is there so that a
    reader of any of the sources can find the scheme meant.

    Returns:
        A Markdown string; display it with ``IPython.display.Markdown``.

    Examples:
        >>> table = naming_table_markdown()
        >>> print(table.splitlines()[0])
        | course name | Keras | PyTorch (`torch.nn.init`) | MachineLearningMastery | GeeksforGeeks | Analytics Vidhya |
        >>> print([line for line in table.splitlines() if "`normalized_xavier`" in line][0])
        | `normalized_xavier` | `GlorotUniform` | `xavier_uniform_` | normalized xavier | Xavier/Glorot initialization |  |
        >>> len(table.splitlines()) == len(SCHEMES) + 2
        True
    """
    rows = []
    for scheme, row in zip(SCHEMES.values(), naming_table()):
        shown = {"course": f"`{scheme.name}`",
                 "Keras": _framework_cell(scheme.keras, scheme.keras_note),
                 "PyTorch": _framework_cell(scheme.torch, scheme.torch_note)}
        for source in SOURCES:
            shown[source] = _escape(row[source])
        rows.append(shown)
    headers = ["course name", "Keras", "PyTorch (`torch.nn.init`)", *SOURCES]
    return markdown_table(rows, ["course", "Keras", "PyTorch", *SOURCES], headers)


def std_table(fan_in: int, fan_out: int, schemes: Optional[Iterable[str]] = None) -> list[dict]:
    """Return, for each scheme, its weight std and limit at the given fans.

    Args:
        fan_in, fan_out: the layer's fans (positive integers).
        schemes: names from :data:`~course_utils.SCHEMES` (default: all of them).

    Returns:
        One dict per scheme with keys ``"scheme"``, ``"distribution"`` (its
        :attr:`~course_utils.schemes.Scheme.kind`: constant, uniform or normal),
        ``"std"`` (float), ``"limit"`` (float or ``None``), ``"fan_scaled"`` (bool)
        and ``"for"`` (the activations it is meant for, comma-separated).

    Examples:
        >>> rows = std_table(10, 20, ["xavier", "normalized_xavier", "he_normal"])
        >>> [(r["scheme"], round(r["std"], 4)) for r in rows]
        [('xavier', 0.1826), ('normalized_xavier', 0.2582), ('he_normal', 0.4472)]
    """
    fan_in = check_positive_int("fan_in", fan_in)
    fan_out = check_positive_int("fan_out", fan_out)
    names = list(SCHEMES) if schemes is None else list(schemes)
    rows = []
    for name in names:
        if name not in SCHEMES:
            raise ValueError(f"schemes must name entries of SCHEMES ({', '.join(SCHEMES)}); "
                             f"got {name!r}")
        s = SCHEMES[name]
        limit = s.limit(fan_in, fan_out)
        rows.append({"scheme": name, "distribution": s.kind,
                     "std": float(s.std(fan_in, fan_out)),
                     "limit": None if limit is None else float(limit),
                     "fan_scaled": s.fan_scaled, "for": ", ".join(s.activations)})
    return rows


def std_table_markdown(fan_in: int, fan_out: int, schemes: Optional[Iterable[str]] = None,
                       digits: int = 4) -> str:
    """Return :func:`std_table` as Markdown, numbers rounded to ``digits`` decimals.

    Examples:
        >>> print(std_table_markdown(3, 2, ["he_uniform"]))
        | scheme | distribution | std at fan-in 3, fan-out 2 | limit L | depends on the fans | meant for |
        |---|---|---|---|---|---|
        | `he_uniform` | uniform | 0.8165 | 1.4142 | yes | relu, leaky\\_relu |
    """
    digits = check_nonnegative_int("digits", digits)
    rows = std_table(fan_in, fan_out, schemes)
    shown = [{"scheme": f"`{r['scheme']}`", "distribution": r["distribution"],
              "std": f"{r['std']:.{digits}f}",
              "limit": "" if r["limit"] is None else f"{r['limit']:.{digits}f}",
              "fan_scaled": "yes" if r["fan_scaled"] else "no",
              "for": _escape(r["for"]) or "(none)"} for r in rows]
    headers = ["scheme", "distribution", f"std at fan-in {fan_in}, fan-out {fan_out}",
               "limit L", "depends on the fans", "meant for"]
    return markdown_table(shown, ["scheme", "distribution", "std", "limit", "fan_scaled", "for"],
                          headers)


def accuracy_table_markdown(comparison, *, highlight: float = 0.95) -> str:
    """Render the final accuracies of a :class:`~course_utils.training.Comparison` as a Markdown table.

    One row per scheme, one column per activation; accuracies at or above
    ``highlight`` are set in bold. Built on :func:`markdown_table`.

    Examples:
        >>> from course_utils import make_circles
        >>> from course_utils.training import compare_schemes
        >>> X, y = make_circles(200, rng=0)
        >>> c = compare_schemes(["zeros", "he_normal"], ["relu"], X, y, epochs=200)
        >>> print(accuracy_table_markdown(c))
        | scheme | relu |
        |---|---|
        | `zeros` | 0.50 |
        | `he_normal` | **1.00** |
    """
    rows = []
    for s in comparison.schemes:
        row = {"scheme": f"`{s}`"}
        for a in comparison.activations:
            acc = comparison[s, a].final_accuracy
            row[a] = f"**{acc:.2f}**" if acc >= highlight else f"{acc:.2f}"
        rows.append(row)
    return markdown_table(rows, ["scheme", *comparison.activations])
