"""Caption rendering: a panel's caption as the live widget's HTML, and a snapshot's two outputs."""

from __future__ import annotations

import base64
import html
import re
from typing import Optional

from ..panels.shared import Caption

__all__ = ["PanelSnapshot", "as_caption", "caption_html", "plain_text"]

_TAG = re.compile(r"<[^>]+>")


def plain_text(markup: str) -> str:
    """Text of a small HTML fragment (tags dropped, entities resolved).

    Examples:
        >>> plain_text("<b>He</b> &amp; LeCun ")
        'He & LeCun'
    """
    return html.unescape(_TAG.sub("", markup)).strip()


def caption_html(caption) -> str:
    """What the live caption widget shows: a :class:`Caption`'s HTML, or the given HTML string."""
    return caption.html() if isinstance(caption, Caption) else str(caption)


def as_caption(caption) -> Optional[Caption]:
    """A :class:`Caption` for ``caption`` (a Caption, an HTML string, or ``None``)."""
    if caption is None or isinstance(caption, Caption):
        return caption
    return Caption(plain_text(str(caption)))


class PanelSnapshot:
    """A panel's picture and caption for static renders (returned by :meth:`FigurePanel.snapshot`).

    In IPython it displays as two outputs: the picture (``image/png`` with a
    one-line ``text/plain`` description) and the caption (``text/html`` with
    the caption's plain text as ``text/plain``). Both ``text/plain`` forms are
    deterministic, so strict nbval compares them exactly.

    Attributes:
        png: the picture, PNG bytes.
        caption: the :class:`~course_utils.panels.Caption` (or ``None``).
        description: the picture's ``text/plain``.
    """

    def __init__(self, png: bytes, caption: Optional[Caption], description: str):
        self.png, self.caption, self.description = png, caption, description

    def bundles(self) -> list:
        """The two MIME bundles, picture first (what ``display`` is given)."""
        out = [{"image/png": base64.b64encode(self.png).decode("ascii"),
                "text/plain": self.description}]
        if self.caption is not None:
            out.append({"text/html": self.caption.html(), "text/plain": self.caption.text()})
        return out

    def _ipython_display_(self):
        from IPython.display import display
        for bundle in self.bundles():
            display(bundle, raw=True)

    def __repr__(self) -> str:
        caption = "" if self.caption is None else "\n" + self.caption.text()
        return self.description + caption
