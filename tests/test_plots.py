"""The course's figure style: legible, uncropped figures in a live inline kernel."""

import base64
import io

import matplotlib
import nbformat
import pytest
from nbclient import NotebookClient

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

from course_utils import plots  # noqa: E402


@pytest.fixture
def course_style():
    with matplotlib.rc_context():
        plots.use_course_style()
        yield


def test_style_gives_white_background_and_constrained_layout(course_style):
    assert matplotlib.rcParams["figure.facecolor"] == "white"
    assert matplotlib.rcParams["savefig.facecolor"] == "white"
    fig, _ = plt.subplots()
    try:
        assert isinstance(fig.get_layout_engine(), matplotlib.layout_engine.ConstrainedLayoutEngine)
    finally:
        plt.close(fig)


def test_legend_outside_the_axes_stays_inside_the_figure(course_style):
    # Without the inline backend's tight crop, constrained layout alone must make room.
    fig, ax = plt.subplots()
    try:
        for k in range(3):
            ax.plot([0, 1], [k, k + 1], label=f"a fairly long legend label {k}")
        legend = ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
        fig.canvas.draw()
        box, page = legend.get_window_extent(), fig.bbox
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
    finally:
        plt.close(fig)


def test_inline_kernel_shows_figures_at_their_set_size_without_a_crop():
    """In a real kernel with the default inline backend, the PNG is figsize x dpi exactly
    (the backend's default bbox_inches="tight" would crop it to the drawn extent)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\n"
                                  "from course_utils.plots import use_course_style\n"
                                  "use_course_style()"),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nax.plot([0, 1], [0, 1])\nplt.show()"),
    ]
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    (output,) = [o for o in nb.cells[1].outputs if "image/png" in o.get("data", {})]
    size = Image.open(io.BytesIO(base64.b64decode(output["data"]["image/png"]))).size
    width, height = plots.COURSE_STYLE["figure.figsize"]
    dpi = plots.COURSE_STYLE["figure.dpi"]
    assert size == (round(width * dpi), round(height * dpi))


def test_curve_recipes_give_scheme_labels_their_scheme_colour(course_style):
    from matplotlib.colors import to_hex

    import course_utils as cu

    fig, (ax1, ax2) = plt.subplots(1, 2)
    try:
        history = {"epoch": [0, 1], "loss": [0.7, 0.6], "accuracy": [0.5, 0.6]}
        lines = plots.loss_curves(ax1, {"he_normal": history, "my run": history})
        assert to_hex(lines[0].get_color()) == cu.SCHEMES["he_normal"].color
        prop = cu.signal_propagation("xavier", "tanh", depth=3, width=8, batch=4, rng=0)
        (line,) = plots.layer_std_curves(ax2, {"xavier": prop})
        assert to_hex(line.get_color()) == cu.SCHEMES["xavier"].color
    finally:
        plt.close(fig)
