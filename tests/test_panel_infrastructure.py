"""The shared panel parts: FigurePanel's two rules, snapshots, seeds, captions, bins, the corner cache.

No kernel: a FigurePanel runs in-process (ipywidgets without a front end).
"""

from __future__ import annotations

import base64

import numpy as np
import pytest

from course_utils.panels import (Caption, CornerPropagation, CornerWeights, Table, bin_heights,
                                 child_seeds, depth_axis_limit, depth_axis_limits, fmt)
from course_utils.plots import panel_figure
from course_utils.schemes import SCHEMES
from course_utils.widgets import FigurePanel, Layout, PanelSnapshot, int_slider
from course_utils.widgets.parts import Histogram, LayerCurves


def _line_panel(*, declare=True, change_static=False, change_limits=False, **panel_options):
    fig, ax = panel_figure()
    (line,) = ax.plot([], [])
    (static,) = ax.plot([0, 1], [0, 1])
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)

    def update(n):
        line.set_data([0, n], [0, n])
        if change_static:
            static.set_ydata([n, n])
        if change_limits:
            ax.set_xlim(0, n + 1)
        return Caption(f"n = {n}")

    panel = FigurePanel(fig, {"n": int_slider("n", 1, 1, 9)}, update,
                        dynamic=[line] if declare else [], **panel_options)
    return panel, line


def test_declared_artist_is_made_animated_and_redrawn():
    panel, line = _line_panel()
    assert line.get_animated()
    before = panel.png
    panel.set(n=9)
    assert panel.png != before
    assert panel.last_caption.text() == "n = 9."


def test_undeclared_artist_change_is_an_error_naming_it():
    with pytest.raises(RuntimeError, match=r"update\(\) changed Line2D on axes 0, which is static.*dynamic="):
        _line_panel(declare=False)


def test_changing_a_static_artist_is_an_error():
    with pytest.raises(RuntimeError, match="static"):
        _line_panel(change_static=True)


def test_changing_axis_limits_in_update_is_an_error():
    with pytest.raises(RuntimeError, match="Layout"):
        _line_panel(change_limits=True)


def test_dynamic_rejects_what_is_not_an_artist():
    fig, ax = panel_figure()
    with pytest.raises(TypeError, match="dynamic must hold"):
        FigurePanel(fig, {"n": int_slider("n", 1, 1, 9)}, lambda n: None, dynamic=[3])


def test_layout_applies_on_key_change_and_keeps_one_background_per_key():
    fig, ax = panel_figure()
    curves = LayerCurves(ax, {"s": {}}, ylim=(1e-3, 1e3))
    applied = []

    def apply(limit):
        applied.append(limit)
        curves.set_depth_axis(limit)

    def update(depth):
        curves.show("s", np.ones(depth))

    panel = FigurePanel(fig, {"depth": int_slider("depth", 3, 1, 30)}, update, dynamic=[curves],
                        layout=Layout(key=lambda depth: depth_axis_limit(depth), apply=apply,
                                      warm=(20,)))
    assert applied == [10] and ax.get_xlim() == (0.5, 10.5)   # no event loop: nothing warmed yet
    panel.warm_up()                       # draws 20, then puts the layout on screen back
    assert applied == [10, 20, 10] and ax.get_xlim() == (0.5, 10.5)
    assert panel.canvas.drawn_keys == {10, 20}
    panel.set(depth=4)                    # same key: no apply, no new background
    panel.set(depth=18)                   # warmed key: applied, background reused
    panel.set(depth=25)
    assert applied == [10, 20, 10, 20, 30]
    assert panel.canvas.drawn_keys == {10, 20, 30}
    assert ax.get_xlim() == (0.5, 30.5)


def _depth_panel(applied, **idle):
    fig, ax = panel_figure()
    curves = LayerCurves(ax, {"s": {}}, ylim=(1e-3, 1e3))

    def apply(limit):
        applied.append(limit)
        curves.set_depth_axis(limit)

    return FigurePanel(fig, {"depth": int_slider("depth", 3, 1, 30)},
                       lambda depth: curves.show("s", np.ones(depth)), dynamic=[curves],
                       layout=Layout(key=lambda depth: depth_axis_limit(depth), apply=apply,
                                     warm=(20, 30)), **idle)


def test_warm_layouts_are_drawn_when_the_loop_is_idle_and_wait_for_activity():
    import asyncio

    async def scenario():
        applied = []
        panel = _depth_panel(applied, idle_seconds=0.2)
        assert applied == [10] and panel.idle.pending == [("layout", 20), ("layout", 30)]   # not yet
        await asyncio.sleep(0.1)
        panel.set(depth=5)                # a move restarts the quiet period
        await asyncio.sleep(0.15)         # 0.25 s after build, 0.15 s after the move
        assert panel.canvas.drawn_keys == {10}
        await asyncio.sleep(0.5)          # quiet for longer than IDLE_SECONDS: both drawn
        assert panel.canvas.drawn_keys == {10, 20, 30} and panel.idle.pending == []
        assert applied == [10, 20, 10, 30, 10]          # each warm puts the screen's layout back
        before = panel.png
        panel.set(depth=25)               # now a blit over the warmed background
        assert applied[-1] == 30 and panel.png != before

    asyncio.run(scenario())


def test_snapshot_is_picture_then_caption_with_deterministic_text():
    table = Table(("a", "b"), (("1", "2"),))
    fig, ax = panel_figure()
    (line,) = ax.plot([], [])
    panel = FigurePanel(fig, {"n": int_slider("n", 2, 1, 9)},
                        lambda n: (line.set_data([0, n], [0, 1]), Caption("Title", (f"n is {n}.",), table))[1],
                        dynamic=[line], title="<b>A panel</b>: demo")
    snap = panel.snapshot()
    assert isinstance(snap, PanelSnapshot)
    picture, caption = snap.bundles()
    assert base64.b64decode(picture["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture["text/plain"] == "[picture] A panel: demo: FigurePanel(n=2)"
    assert caption["text/plain"] == "Title. n is 2.\na  b\n1  2"
    assert "<table>" in caption["text/html"] and "<b>Title.</b>" in caption["text/html"]


def test_snapshot_outputs_render_in_nbconvert_html():
    nbformat = pytest.importorskip("nbformat")
    nbconvert = pytest.importorskip("nbconvert")
    fig, ax = panel_figure()
    (line,) = ax.plot([], [])
    panel = FigurePanel(fig, {"n": int_slider("n", 2, 1, 9)},
                        lambda n: (line.set_data([0, n], [0, 1]),
                                   Caption("Std", table=Table(("layer", "std"), (("1", "0.5"),))))[1],
                        dynamic=[line])
    cell = nbformat.v4.new_code_cell("panel.snapshot()")
    cell.outputs = [nbformat.v4.new_output("display_data", data=b)
                    for b in panel.snapshot().bundles()]
    nb = nbformat.v4.new_notebook(cells=[cell])
    body, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    assert 'src="data:image/png;base64,' in body
    assert "<td>0.5</td>" in body


def test_child_seeds_depend_only_on_seed_and_name():
    a, b = child_seeds(7, "weights", "input")
    assert child_seeds(7, "input")[0] == b and child_seeds(7, "weights", "x")[0] == a
    assert child_seeds(8, "weights")[0] != a
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        child_seeds(-1, "weights")
    with pytest.raises(ValueError, match="names must be non-empty strings"):
        child_seeds(0, "")


def test_bin_heights_density_integrates_to_the_share_inside():
    rng = np.random.default_rng(0)
    values = rng.standard_normal(10_000)
    edges = np.linspace(-2, 2, 41)
    inside = np.mean(np.abs(values) <= 2)
    assert np.sum(bin_heights(values, edges) * np.diff(edges)) == pytest.approx(inside)
    assert np.sum(bin_heights(values, edges, "fraction")) == pytest.approx(inside)
    with pytest.raises(ValueError, match="scale must be one of"):
        bin_heights(values, edges, "percent")


def test_depth_axis_limit_fits_the_layers_shown():
    for depth in range(1, 101):
        limit = depth_axis_limit(depth)
        assert depth <= limit < depth + 10 and limit % 10 == 0
        assert limit in depth_axis_limits(100)


def test_table_and_caption_text_and_html():
    t = Table(("scheme", "std"), (("he<normal>", "0.1"),), colors=("#ff0000",))
    assert "he&lt;normal&gt;" in t.html() and "#ff0000" in t.html()
    assert t.text() == "scheme      std\nhe<normal>  0.1"
    with pytest.raises(ValueError, match="rows must have 2 cells"):
        Table(("a", "b"), (("1",),))
    assert fmt(1 / 3) == "0.333" and fmt(12345.0, 2) == "1.2e+04"


def test_corner_weights_are_a_sample_of_the_scheme_at_the_smaller_width():
    # he_normal at width 64 from a draw at 256: std sqrt(2/64) within 3 % (64*64*5 draws).
    cw = CornerWeights("he_normal", max_depth=5, max_width=256, seed=1)
    w = np.concatenate([m.ravel() for m in cw.weights(5, 64)])
    assert w.std() == pytest.approx(SCHEMES["he_normal"].std(64, 64), rel=0.03)
    with pytest.raises(ValueError, match="within 1..5 and 1..256"):
        cw.weights(6, 64)


def test_corner_propagation_prefix_and_exact_depth():
    runs = CornerPropagation(max_depth=8, max_width=32, batch=8, seed=3)
    full, four = runs("he_normal", "tanh", 16), runs("he_normal", "tanh", 16, depth=4)
    np.testing.assert_allclose(full.std[:4], four.std, rtol=1e-6)   # forward: a prefix
    assert four.depth == 4 and runs("he_normal", "tanh", 16) is full


def test_histogram_part_sets_heights_and_edges():
    fig, ax = panel_figure()
    hist = Histogram(ax, 3)
    hist.show([0.1, 0.2, 0.3], [0, 1, 2, 3])
    assert hist.bars.get_data().edges.tolist() == [0, 1, 2, 3]


def test_snapshot_only_artists_are_drawn_in_the_snapshot_alone():
    fig, ax = panel_figure()
    (line,) = ax.plot([], [])
    label = ax.text(0.5, 0.5, "")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 1)

    def update(n):
        line.set_data([0, n], [0, 1])
        label.set_text(f"n = {n}")

    panel = FigurePanel(fig, {"n": int_slider("n", 2, 1, 9)}, update, dynamic=[line],
                        snapshot_only=[label])
    live = panel.png
    assert panel.snapshot().png != live and panel.png == live and not label.get_visible()


def test_prefetch_runs_each_key_once_in_idle_work_and_is_asked_again_after_a_move():
    fig, ax = panel_figure()
    (line,) = ax.plot([], [])
    ran, asked = [], []

    def prefetch(n):
        asked.append(n)
        return [((n, k), lambda k=k: ran.append((n, k))) for k in (n - 1, n + 1)]

    panel = FigurePanel(fig, {"n": int_slider("n", 5, 1, 9)},
                        lambda n: line.set_data([0, n], [0, 1]), dynamic=[line], prefetch=prefetch)
    assert asked == [5] and ran == []          # planned at build, run only when idle
    panel.warm_up()
    assert ran == [(5, 4), (5, 6)]
    panel.set(n=6)                             # asked again; new keys queued
    panel.set(n=5)                             # keys already run are not queued again
    panel.warm_up()
    assert asked == [5, 6, 5] and ran == [(5, 4), (5, 6), (6, 5), (6, 7)]


def test_png_rgb_of_a_panel_frame_decodes_in_pillow_to_the_same_pixels():
    import io

    from PIL import Image

    from course_utils.widgets import png_rgb
    panel, _ = _line_panel()
    rgba = np.array(panel.canvas.frame())
    decoded = np.asarray(Image.open(io.BytesIO(png_rgb(rgba))))
    assert decoded.shape == rgba.shape[:2] + (3,)
    np.testing.assert_array_equal(decoded, rgba[..., :3])
    assert panel.png == png_rgb(rgba)             # what the panel shows is this encoding
    with pytest.raises(ValueError, match=r"rgba must be a \(height, width, 4\) uint8 array"):
        png_rgb(rgba[..., :3])


class _FakeShell:
    """What ActivityClock uses of an IPython shell: ``events.register``."""

    def __init__(self):
        self.events, self.hooks = self, {}

    def register(self, name, callback):
        self.hooks.setdefault(name, []).append(callback)


def test_one_activity_clock_per_shell_follows_its_cells():
    from course_utils.widgets import ActivityClock
    shell = _FakeShell()
    clock = ActivityClock.for_shell(shell)
    assert ActivityClock.for_shell(shell) is clock                  # made and hooked once
    assert {k: len(v) for k, v in shell.hooks.items()} == {"pre_run_cell": 1, "post_run_cell": 1}
    assert ActivityClock.for_shell(_FakeShell()) is not clock       # another shell, another clock
    shell.hooks["pre_run_cell"][0]()
    assert clock.running and clock.quiet_seconds() < 1
    shell.hooks["post_run_cell"][0]()
    assert not clock.running
    with pytest.raises(RuntimeError, match="already watches a shell"):
        clock.watch(_FakeShell())


def test_a_move_in_one_panel_holds_back_the_idle_work_of_a_panel_sharing_its_clock():
    import asyncio

    from course_utils.widgets import ActivityClock

    async def scenario():
        clock = ActivityClock()
        waiting = _depth_panel([], clock=clock, idle_seconds=0.5)
        mover, _ = _line_panel(clock=clock)        # as two panels of one shell share it
        for step in range(50):                     # a move every ~0.02 s for ~1 s: never 0.5 s quiet
            mover.set(n=2 + step % 2)
            await asyncio.sleep(0.02)
        assert waiting.canvas.drawn_keys == {10}   # held back: nothing warmed yet
        for _ in range(100):                       # then quiet: warmed (no deadline but 10 s)
            if waiting.canvas.drawn_keys == {10, 20, 30}:
                break
            await asyncio.sleep(0.1)
        assert waiting.canvas.drawn_keys == {10, 20, 30} and waiting.idle.pending == []

    asyncio.run(scenario())


def test_idle_scheduler_rejects_a_quiet_period_that_is_not_positive():
    from course_utils.widgets import ActivityClock, IdleScheduler
    with pytest.raises(ValueError, match="idle_seconds must be > 0, got 0"):
        IdleScheduler(print, clock=ActivityClock(), idle_seconds=0)


@pytest.mark.parametrize("module", ["", ".panel", ".canvas", ".encoder", ".idle", ".events",
                                    ".captions", ".controls", ".parts"])
def test_widget_modules_keep_no_mutable_state(module):
    # Idle work and activity live in objects a panel or a shell owns (issue 27), not in
    # module-level dicts, lists or sets that every panel of the process would share.
    import importlib
    namespace = vars(importlib.import_module(f"course_utils.widgets{module}"))
    mutable = sorted(name for name, value in namespace.items()
                     if isinstance(value, (dict, list, set, bytearray)) and name != "__all__"
                     and not name.startswith("__"))
    assert mutable == [], f"course_utils.widgets{module} keeps module-level state: {mutable}"
