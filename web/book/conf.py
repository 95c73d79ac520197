"""Sphinx configuration of the course's static book (built by ``python3 tasks.py book``).

Sphinx + myst-nb + sphinx-book-theme, rendering the notebooks' stored outputs
(``nb_execution_mode = "off"``). Jupyter Book 2 was not used: it fetches its book
theme from api.mystmd.org at build time, which is on no package registry.
Everything a page loads is served from the site itself: MathJax 3, require.js
and the ipywidgets HTML manager come from npm (web/pins.json), copied by
web/build.py into build/book-vendor/.
"""

import json
from pathlib import Path

from docutils import nodes

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENDOR = ROOT / "build" / "book-vendor"
PINS = json.loads((ROOT / "web" / "pins.json").read_text())

project = "initlab"
author = "the initlab authors"
copyright = "the initlab authors; code MIT, course text CC BY 4.0"
html_title = "initlab: weight initialization"

extensions = ["myst_nb"]
nb_execution_mode = "off"          # stored outputs only: the notebooks are committed executed
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]

# Served from the site, never from a CDN (paths relative to _static/).
mathjax_path = "vendor/mathjax/es5/tex-chtml.js"
nb_ipywidgets_js = {
    "vendor/requirejs/require.js": {},
    # Widgets are core controls, bundled in the manager; the "CDN" it would ask for any
    # other widget module is pointed at the site so nothing leaves it.
    "vendor/html-manager/embed-amd.js": {"data-jupyter-widgets-cdn": "_static/vendor/widgets/",
                                         "data-jupyter-widgets-cdn-only": "true"},
}
html_static_path = [str(VENDOR / "static"), "_static"]
html_extra_path = [str(VENDOR / "extra")]
html_css_files = ["initlab.css"]
html_favicon = "_static/initlab-icon.svg"
html_js_files = ["mathjax-hub-shim.js"]
html_theme = "sphinx_book_theme"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
    "article_header_end": ["search-button"],
}
html_last_updated_fmt = None
html_copy_source = False


def _buttons(docname: str) -> str:
    up = "../" * docname.count("/")
    notebook = Path(docname).name + ".ipynb" if docname != "index" else "00_course_index.ipynb"
    live = f"{up}live/lab/index.html?path="
    return (
        '<div class="initlab-launch">'
        f'<a class="initlab-button" href="{PINS["binder"]}notebooks/{notebook}">Launch on Binder</a>'
        f'<a class="initlab-button initlab-live" href="{live}full/{notebook}">Try it live</a>'
        f'<span class="initlab-student">in your browser, no install; or the '
        f'<a href="{live}student/{notebook}">student edition</a> (exercises left blank)</span>'
        "</div>")


def _add_buttons(app, doctree, docname):
    html = nodes.raw("", _buttons(docname), format="html")
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None and section.children and isinstance(section[0], nodes.title):
        section.insert(1, html)
    else:
        doctree.insert(0, html)


def setup(app):
    app.connect("doctree-resolved", _add_buttons)
