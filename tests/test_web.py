"""The course on the web, in a real (headless) Chromium that may not leave this machine.

The site is built first (``python3 tasks.py web``: the static book in
``build/site/`` and the live edition in ``build/site/live/``), then served on
127.0.0.1. Every request a page or its workers make to anything but loopback
is aborted and counted; Chromium's proxy is a trap on 127.0.0.1 that records
whatever else tries to leave (a service worker's fetch, say). Both must stay
empty, except Chromium's own calls to Google's update/account/autofill
services (the browser's, not the site's: counted in the report). Every 404 of
the server is recorded and must not happen.

The book: every page opens with no missing asset, its math typeset by MathJax,
every figure decoded (``naturalWidth > 0``), the slider panels' saved pictures
shown, no script error; the search page finds "Glorot" on the pages that say
it. Screenshots: ``tests/artifacts/web/book_*.png``.

The live edition (JupyterLite + Pyodide, all in the page): a minimal plotting
notebook (the yardstick) and every notebook of the full edition are opened,
Run All, and must show no error output (so the notebooks' own ``assert``
cells pass), every code cell numbered, and a slider moved with the keyboard
must change its panel's picture (PageUp/PageDown on the focused handle: the
arrow keys are taken by the notebook's shortcuts in this JupyterLab). Student edition: every notebook loads and
Run All runs every demo cell (every code cell before the first exercise
stub) without error, and stops at the first ``NotImplementedError`` that a
stub raises by design, in the stub cell or in the exercise's test cell that
calls it (nothing after that can run in a blank student copy, since Run All
stops at the first error). Per notebook the test records the time from
navigation to kernel ready, the Run All time, and the key-press-to-picture
latency of 5 slider moves, in ``tests/artifacts/web/live_report.json``, and
writes there how they compare with the targets (``INITLAB_LIVE_RUNALL_RATIO``,
default 3: a course notebook's Run All at most 3x the yardstick's, whose Run All
is measured before and after the full edition and averaged;
``INITLAB_LIVE_SLIDER_MS``, default 300: median slider latency). Timings are
reported, not asserted: speed is measured, never a pass/fail test on a shared
2-core machine.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

import nbformat
import pytest

import browser_support as bs
import web_support as ws
from course_utils.settings import setting

BOOK_NOTEBOOKS = [p.stem for p in bs.course_notebooks()]
STUDENT = sorted((bs.ROOT / "student").glob("[0-9][0-9]_*.ipynb"))
PRESSES = 5
RUNALL_RATIO = setting("INITLAB_LIVE_RUNALL_RATIO")
#: The report key of the yardstick's second run, after the full edition.
YARDSTICK_AGAIN = "yardstick/minimal_plot.ipynb (again, after the full edition)"
SLIDER_MS = setting("INITLAB_LIVE_SLIDER_MS")
REPORT = ws.ARTIFACTS / "live_report.json"

pytestmark = pytest.mark.skipif(
    not bs.CHROMIUM.exists(),
    reason=f"no Chromium at {bs.CHROMIUM}: the web tests need Debian's chromium "
           "(apt-get install chromium; .ci/run installs it)")

_report: dict = {"notebooks": {}}


def _write_report() -> None:
    ws.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(_report, indent=1) + "\n")


def _size(folder: Path, skip: Path | None = None) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*")
                     if p.is_file() and (skip is None or skip not in p.parents)) / 1e6, 1)


@pytest.fixture(scope="module")
def site():
    _report.update(ws.build_site())
    _report["site_mb"] = {"book": _size(ws.SITE, skip=ws.SITE / "live"),
                          "live": _size(ws.SITE / "live"),
                          "live_pyodide": _size(ws.SITE / "live" / "static" / "pyodide")}
    with ws.SiteServer() as server:
        yield server


@pytest.fixture(scope="module")
def trap():
    trap = ws.Trap()
    yield trap
    trap.close()


@pytest.fixture(scope="module")
def browser(trap):
    """One Chromium for the book and the live edition."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = ws.launch_chromium(playwright, trap)
        try:
            yield chromium
        finally:
            chromium.close()


class Watched:
    """A page with its guard, its script errors and the server's 404s, checked together."""

    def __init__(self, browser, site, trap, **kwargs):
        self.site = site
        self.trap = trap
        self.guard = ws.Guard()
        self.context = ws.new_context(browser, self.guard, **kwargs)
        self.page = self.context.new_page()
        self.page.set_default_timeout(120_000)
        self.errors: list[str] = []
        self.chromium_own = 0
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def mark(self) -> tuple[int, int, int, int]:
        return (len(self.guard.blocked), len(self.site.missing), len(self.errors),
                len(self.trap.trapped))

    def check_since(self, mark, what: str) -> None:
        blocked = self.guard.blocked[mark[0]:]
        missing = self.site.missing[mark[1]:]
        errors = self.errors[mark[2]:]
        trapped = self.trap.trapped[mark[3]:]
        assert not blocked, f"{what}: {len(blocked)} request(s) tried to leave 127.0.0.1: {blocked}"
        own = [t for t in trapped if not ws.chromium_service(t)]
        self.chromium_own += len(trapped) - len(own)
        _report["chromium_service_requests"] = (_report.get("chromium_service_requests", 0)
                                                + len(trapped) - len(own))
        assert not own, f"{what}: {len(own)} request(s) reached the trap proxy: {own}"
        assert not missing, f"{what}: {len(missing)} missing asset(s) (404): {missing}"
        assert not errors, f"{what}: script error(s) on the page: {errors}"


# ---------------------------------------------------------------- the static book


@pytest.fixture(scope="module")
def book(browser, site, trap):
    watched = Watched(browser, site, trap, viewport={"width": 1300, "height": 1000})
    yield watched
    watched.context.close()


PAGE_STATE_JS = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const imgs = [...document.querySelectorAll('article img, main img')];
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  return {
    title: document.title,
    mathSource: document.querySelectorAll('.math, span.math, div.math').length,
    mathRendered: document.querySelectorAll('mjx-container').length,
    mathErrors: document.querySelectorAll('mjx-merror').length,
    images: imgs.map(i => ({src: i.getAttribute('src').slice(0, 80), w: i.naturalWidth})),
    widgets: document.querySelectorAll('.jupyter-widgets').length,
    widgetErrors: [...document.querySelectorAll('.jupyter-widgets')]
        .filter(e => /Error displaying widget|model not found/.test(e.textContent)).length,
    live: [...document.querySelectorAll('a.initlab-live')].map(a => a.getAttribute('href')),
    binder: [...document.querySelectorAll('a.initlab-button')]
        .filter(a => a.textContent.includes('Binder')).map(a => a.getAttribute('href')),
    next: !!document.querySelector('a.right-next'),
    prev: !!document.querySelector('a.left-prev'),
  };
}
"""


@pytest.mark.parametrize("name", ["index"] + BOOK_NOTEBOOKS)
def test_book_page(book, name):
    mark = book.mark()
    book.page.goto(f"{book.site.url}/{name}.html", wait_until="networkidle")
    state = book.page.evaluate(PAGE_STATE_JS)
    ws.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    book.page.screenshot(path=str(ws.ARTIFACTS / f"book_{name}.png"))
    book.check_since(mark, f"book page {name}")
    assert state["live"] and state["binder"], f"{name}: no 'Try it live' / 'Launch on Binder' button"
    notebook = "00_course_index" if name == "index" else name
    assert state["live"][0].endswith(f"live/lab/index.html?path=full/{notebook}.ipynb"), state["live"]
    assert state["binder"][0].endswith(f"notebooks/{notebook}.ipynb"), state["binder"]
    assert (ws.SITE / "live" / "files" / "full" / f"{notebook}.ipynb").exists(), \
        "the live edition has no such notebook"
    if name == "index":
        assert state["next"], "the landing page has no link to the first chapter"
        return
    assert state["next"] or state["prev"], f"{name}: no previous/next navigation"
    assert state["mathSource"] > 0, f"{name}: no math on the page (expected some)"
    assert state["mathRendered"] >= state["mathSource"], (
        f"{name}: {state['mathSource']} math element(s), {state['mathRendered']} typeset by MathJax")
    assert state["mathErrors"] == 0, f"{name}: MathJax reported {state['mathErrors']} error(s)"
    figures = [i for i in state["images"] if "_images/" in i["src"] or i["src"].startswith("data:")]
    assert figures, f"{name}: no figure on the page"
    broken = [i["src"] for i in state["images"] if i["w"] == 0]
    assert not broken, f"{name}: image(s) not shown: {broken}"
    assert state["widgetErrors"] == 0, f"{name}: a saved widget view failed to render"
    # nbgrader's marker lines read as plain words (web/build.py BOOK_MARKERS): a markdown
    # "### BEGIN SOLUTION" would otherwise be a heading of the page and of its contents.
    text = book.page.evaluate("() => document.body.innerText")
    leftover = [m for m in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS") if m in text]
    assert not leftover, f"{name}: nbgrader marker(s) shown in the book: {leftover}"
    source = (bs.ROOT / "notebooks" / f"{name}.ipynb").read_text()
    if "### BEGIN SOLUTION" in source:
        assert "Model answer" in text, f"{name}: its exercises' model answers are not labelled"
    if '"grade": true' in source:
        assert "Tests (also in the student edition" in text, f"{name}: its test cells are not labelled"


def _text_of(notebook: Path, markdown_only: bool) -> str:
    nb = nbformat.read(notebook, as_version=4)
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" or not markdown_only:
            parts.append(cell.source)
        if not markdown_only and cell.cell_type == "code":
            parts += [json.dumps(o) for o in cell.get("outputs", [])]
    return "\n".join(parts)


def test_book_search_finds_glorot_on_the_right_pages(book):
    mark = book.mark()
    book.page.goto(f"{book.site.url}/search.html?q=Glorot", wait_until="networkidle")
    book.page.wait_for_function(
        "() => document.querySelector('#search-results') && "
        "document.querySelector('#search-results').textContent.match(/found|matches|Search Results/i)"
        " && !document.querySelector('#search-progress:not(:empty)')"
        " || document.querySelectorAll('#search-results li').length > 0", timeout=60_000)
    book.page.wait_for_timeout(1500)
    found = book.page.evaluate(
        "() => [...document.querySelectorAll('#search-results li a')]"
        ".map(a => a.getAttribute('href').split(/[?#]/)[0].replace(/\\.html$/, ''))")
    book.page.screenshot(path=str(ws.ARTIFACTS / "book_search_glorot.png"))
    book.check_since(mark, "search page")
    found = {f.rsplit("/", 1)[-1] for f in found}
    notebooks = bs.course_notebooks()
    # Must be found: every chapter whose prose says "Glorot".
    must = {p.stem for p in notebooks if re.search(r"glorot", _text_of(p, True), re.I)}
    # May be found: chapters that say it anywhere (prose, code, outputs), and the landing page.
    may = {p.stem for p in notebooks if re.search(r"glorot", _text_of(p, False), re.I)} | {"index"}
    assert must, "no chapter mentions Glorot: the check would be empty"
    assert must <= found, f"search for Glorot missed {sorted(must - found)}; found {sorted(found)}"
    assert found <= may, f"search for Glorot lists pages that do not say it: {sorted(found - may)}"


# ---------------------------------------------------------------- the live edition


@pytest.fixture(scope="module")
def live(browser, site, trap):
    """One context for the whole live run, so Pyodide is fetched once (the browser cache),
    as for a learner who opens one chapter after another."""
    watched = Watched(browser, site, trap, viewport={"width": 1400, "height": 1000})
    # The yardstick (a minimal plotting notebook) runs before and after the course's
    # notebooks, whatever tests are selected and in whatever order: the targets divide by
    # the mean of its two Run All times (its own time varies by ~25 % between runs, and a
    # change of load during the run then weighs on both sides of the ratio).
    _live_yardstick(watched)
    yield watched
    _live_yardstick(watched, key=YARDSTICK_AGAIN)
    watched.context.close()
    _record_live_targets()


KERNEL_JS = r"""
(path) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  const w = app.shell.currentWidget;
  if (!w || !w.sessionContext || !w.context || w.context.path !== path) return null;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return k ? {status: k.status, connection: k.connectionStatus} : {status: null};
}
"""

RUN_ALL_JS = "() => window.jupyterapp.commands.execute('notebook:run-all-cells')"


def _code_cells(path: Path) -> list[int]:
    """Indexes (among all cells) of the non-empty code cells."""
    nb = nbformat.read(path, as_version=4)
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]


def open_live(live, path: str, timeout: float = 600.0) -> float:
    """Open ``path`` of the live edition; return seconds from navigation to its kernel idle."""
    started = time.perf_counter()
    live.page.goto(f"{live.site.url}/live/lab/index.html?path={path}")
    deadline = started + timeout
    while time.perf_counter() < deadline:
        state = live.page.evaluate(KERNEL_JS, path)
        if state and state.get("status") == "idle" and state.get("connection") == "connected":
            live.page.evaluate("(p) => window.jupyterapp.shell.currentWidget"
                               ".sessionContext.session.kernel.info", path)
            return time.perf_counter() - started
        time.sleep(0.2)
    raise TimeoutError(f"{path}: kernel not ready in {timeout:.0f} s; errors: {live.errors}")


def run_all(live, expected: int, timeout: float = 300.0) -> tuple[float, dict]:
    """Run All; wait until ``expected`` cells are numbered and the kernel is idle, or an error
    is shown and no cell is running (after an error this JupyterLite's status indicator
    can stay "busy", so the status is not waited for then)."""
    started = time.perf_counter()
    live.page.evaluate(RUN_ALL_JS)
    deadline = started + timeout
    settled, state = 0, None
    while time.perf_counter() < deadline:
        state = live.page.evaluate(bs.NOTEBOOK_STATE_JS)
        done = state and state["running"] == 0 and (
            (state["numbered"] >= expected and state["status"] == "idle")
            or bool(bs.error_outputs(state)))
        settled = settled + 1 if done else 0
        if settled >= 3:
            return time.perf_counter() - started - 0.4, state
        time.sleep(0.2)
    raise TimeoutError(f"Run All did not finish within {timeout:.0f} s; last state: "
                       f"{ {k: state[k] for k in ('numbered', 'running', 'status')} if state else None}")


def move_slider(live, name: str) -> list[float]:
    """Press ArrowRight/Left on a panel slider PRESSES times; each press must change the picture."""
    page = live.page
    controls = page.evaluate(bs.CONTROLS_JS)
    assert controls, f"{name}: no slider or dropdown beside a panel image"
    sliders = [c for c in controls if c["kind"] == "slider"]
    control = ([c for c in sliders if "fan" in c["label"].lower()] or sliders or controls)[0]
    target = page.locator(f"[data-initlab-control='{control['n']}']")
    target.scroll_into_view_if_needed()
    target.click()
    page.wait_for_timeout(1000)
    presses = []
    for _ in range(PRESSES):
        control = next(c for c in page.evaluate(bs.CONTROLS_JS) if c["n"] == control["n"])
        before = page.evaluate(bs.WATCH_JS, target.element_handle())
        assert before, f"{name}: the control has no panel image beside it"
        digest_before = page.evaluate(bs.IMAGE_DIGEST_JS,
                                      page.evaluate("() => window.__initlabWatch.img.src"))
        # PageUp/PageDown (5 steps): in the live edition's JupyterLab (4.4) the arrow keys
        # never reach a focused slider handle; the notebook's command-mode shortcuts take
        # them in the capture phase (measured: keydown seen on window, not on the handle).
        if control["kind"] == "slider":
            key = "PageUp" if control["now"] < (control["min"] + control["max"]) / 2 else "PageDown"
        else:
            key = "ArrowDown" if control["now"] < control["max"] else "ArrowUp"
        target.focus()
        page.keyboard.press(key)
        page.wait_for_function("() => window.__initlabWatch && window.__initlabWatch.painted !== null",
                               timeout=60_000)
        result = page.evaluate(bs.WATCH_RESULT_JS)
        after = page.evaluate(bs.IMAGE_DIGEST_JS, result["after"])
        assert after != digest_before, f"{name}: {key} left the same picture"
        presses.append(round(result["painted"] - result["key"], 1))
        page.wait_for_timeout(300)
    return presses


def _live_full(live, folder: str, name: str, local: Path, key: str | None = None) -> None:
    code = _code_cells(local)
    mark = live.mark()
    ready = open_live(live, f"{folder}/{name}")
    ran, state = run_all(live, len(code))
    errors = bs.error_outputs(state)
    assert not errors, f"{name}: error output in the live edition: " + "; ".join(
        f"cell {e['cell']}: {e['text'][-600:]}" for e in errors)
    assert not state["widgetErrors"], f"{name}: widget problem: {state['widgetErrors']}"
    assert state["numbered"] >= len(code), f"{name}: {state['numbered']} of {len(code)} cells ran"
    presses = move_slider(live, name)
    ws.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ws.ARTIFACTS / f"live_{folder}_{Path(name).stem}.png"
    live.page.screenshot(path=str(shot))
    final = live.page.evaluate(bs.NOTEBOOK_STATE_JS)
    assert not bs.error_outputs(final), f"{name}: moving the slider produced an error"
    live.check_since(mark, f"live {folder}/{name}")
    asserts = sum("assert " in nbformat.read(local, 4).cells[i].source for i in code)
    _report["notebooks"][key or f"{folder}/{name}"] = {
        "kernel_ready_s": round(ready, 1), "run_all_s": round(ran, 1), "code_cells": len(code),
        "cells_with_assert": asserts, "slider_ms": presses,
        "slider_median_ms": statistics.median(presses), "slider_worst_ms": max(presses),
        "screenshot": str(shot.relative_to(bs.ROOT))}
    _write_report()
    print(f"{folder}/{name}: kernel ready {ready:.1f} s, Run All {ran:.1f} s, slider median "
          f"{statistics.median(presses):.0f} ms, worst {max(presses):.0f} ms")


def _live_yardstick(live, key: str | None = None) -> None:
    """The minimal plotting notebook: the same checks as a course notebook, and the
    baseline of the Run All targets."""
    _live_full(live, "yardstick", "minimal_plot.ipynb",
               ws.SITE / "live" / "files" / "yardstick" / "minimal_plot.ipynb", key=key)


@pytest.mark.parametrize("name", [p.name for p in bs.course_notebooks()])
def test_live_full_edition(live, name):
    _live_full(live, "full", name, ws.SITE / "live" / "files" / "full" / name)


@pytest.mark.parametrize("name", [p.name for p in STUDENT])
def test_live_student_edition(live, name):
    local = ws.SITE / "live" / "files" / "student" / name
    nb = nbformat.read(local, as_version=4)
    code = _code_cells(local)
    stubs = [i for i in code if "raise NotImplementedError" in nb.cells[i].source]
    mark = live.mark()
    ready = open_live(live, f"student/{name}")
    # The demo cells: every code cell before the first exercise stub.
    expected = len([i for i in code if not stubs or i < stubs[0]])
    ran, state = run_all(live, expected)
    errors = bs.error_outputs(state)
    if stubs:
        # A stub raises when it runs (a bare `raise`) or when the exercise's test cell calls
        # the stubbed function: either way the first error is NotImplementedError, at or
        # after the first stub, and every demo cell before it ran without error.
        assert errors, f"{name}: no exercise stub raised (first stub: cell {stubs[0]})"
        first = min(errors, key=lambda e: e["cell"])
        assert first["cell"] >= stubs[0] and "NotImplementedError" in first["text"], (
            f"{name}: Run All stopped at cell {first['cell']} ({first['text'][-400:]}), "
            f"not at an exercise stub (the first is cell {stubs[0]})")
    else:
        assert not errors, f"{name}: error output: {errors}"
    assert state["numbered"] >= expected, (
        f"{name}: {state['numbered']} of the {expected} demo cells (up to the first stub) ran")
    assert not state["widgetErrors"], f"{name}: widget problem: {state['widgetErrors']}"
    live.page.screenshot(path=str(ws.ARTIFACTS / f"live_student_{Path(name).stem}.png"))
    live.check_since(mark, f"live student/{name}")
    _report["notebooks"][f"student/{name}"] = {
        "kernel_ready_s": round(ready, 1), "run_all_to_first_stub_s": round(ran, 1),
        "demo_cells": expected, "stub_cell": stubs[0] if stubs else None}
    _write_report()


def _record_live_targets() -> None:
    """Write the issue's targets beside the live run's figures (a measurement, not a test:
    timings are reported, never asserted; see benchmarks/README.md, "live edition")."""
    rows = _report["notebooks"]
    runs = [rows[k]["run_all_s"] for k in ("yardstick/minimal_plot.ipynb", YARDSTICK_AGAIN) if k in rows]
    course = {k: v for k, v in rows.items() if k.startswith("full/")}
    if not runs or not course:
        return
    base = statistics.mean(runs)
    ratios = {k: round(v["run_all_s"] / base, 1) for k, v in course.items()}
    presses = [ms for v in course.values() for ms in v["slider_ms"]]
    _report["targets"] = {"yardstick_run_all_s": round(base, 2), "yardstick_runs_s": runs,
                          "run_all_ratio": ratios,
                          "run_all_above_target": {k: r for k, r in ratios.items() if r > RUNALL_RATIO},
                          "slider_median_ms": statistics.median(presses),
                          "slider_worst_ms": max(presses),
                          "ratio_target": RUNALL_RATIO, "slider_target_ms": SLIDER_MS}
    _write_report()
