"""JupyterLab in a real browser for the tests: a throw-away server and Chromium driven by Playwright.

Used by ``tests/test_browser.py``. The
server runs from the project's environment on 127.0.0.1, on a free port, with
a token, and every folder it writes to (runtime, config, data, settings,
workspaces, and the notebooks themselves) is a temporary one, so a test run
leaves nothing in the repository or in the user's Jupyter folders.

Chromium is Debian's (``/usr/bin/chromium``): Playwright's own browser
download is not needed (and is blocked on the course's build machines).
"""

from __future__ import annotations

import json
import re
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
from course_utils.settings import setting

ROOT = Path(__file__).resolve().parents[1]
# INITLAB_NOTEBOOKS_DIR points the browser tests at another folder of NN_*.ipynb (development).
NOTEBOOKS = setting("INITLAB_NOTEBOOKS_DIR")
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = setting("INITLAB_CHROMIUM")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: Lab settings for an unattended run: no news or update pop-up, no autosave,
#: every cell kept in the page (so all outputs can be inspected), the light theme.
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                     "checkForUpdates": False},
    "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Light",
                                              "adaptive-theme": False},
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/extensionmanager-extension:plugin": {"enabled": False},
}

ERROR_TEXTS = ("Error displaying widget", "model not found")


def course_notebooks() -> list[Path]:
    """The course notebooks, ``notebooks/NN_topic.ipynb``, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_copy(source: Path, target: Path) -> int:
    """Copy a notebook without its stored outputs, counts and widget state.

    What the browser then shows can only come from the run the test makes.
    Returns the number of non-empty code cells (the ones Run All numbers).
    """
    nb = nbformat.read(source, as_version=4)
    nb.metadata.pop("widgets", None)
    code = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            code += bool(cell.source.strip())
    nbformat.write(nb, target)
    return code


def copy_course(root: Path) -> tuple[dict[str, int], str | None]:
    """Copy notebooks/ into ``root``, each course notebook without its stored outputs.

    Returns the number of non-empty code cells per notebook, and the name of
    the first notebook that stores an image output (for the dark-theme check).
    """
    shutil.copytree(NOTEBOOKS, root, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    counts, figure = {}, None
    for path in course_notebooks():
        if figure is None and '"image/png"' in path.read_text(errors="replace"):
            figure = path.name
        counts[path.name] = fresh_copy(path, root / path.name)
    return counts, figure


class LabServer:
    """JupyterLab from this Python environment, on a temporary root folder.

    Use as a context manager; on exit the server (the process found by
    ``jupyter server list --json``, and the process group it was started in)
    is stopped and every temporary folder removed.
    """

    def __init__(self, startup_timeout: float = 180.0):
        self.startup_timeout = startup_timeout
        self.tmp = Path(tempfile.mkdtemp(prefix="initlab-lab-"))
        self.root = self.tmp / "root"
        self.root.mkdir()
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.server_pid: int | None = None
        self.log_path = self.tmp / "lab.log"
        self._log = None
        self.code_cells: dict[str, int] = {}
        self.figure_notebook: str | None = None

    # -- environment
    def env(self) -> dict:
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)            # the kernel must use the inline backend
        env.pop("JUPYTER_PATH", None)
        bin_dir = str(Path(sys.executable).parent)
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
        for name in ("runtime", "config", "data"):
            (self.tmp / name).mkdir(exist_ok=True)
        env["JUPYTER_RUNTIME_DIR"] = str(self.tmp / "runtime")
        env["JUPYTER_CONFIG_DIR"] = str(self.tmp / "config")
        env["JUPYTER_DATA_DIR"] = str(self.tmp / "data")
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        env["IPYTHONDIR"] = str(self.tmp / "ipython")
        return env

    def start(self) -> "LabServer":
        settings = self.tmp / "app-settings"
        settings.mkdir()
        (settings / "overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=1))
        labconfig = self.tmp / "config" / "labconfig"
        labconfig.mkdir(parents=True)
        (labconfig / "page_config.json").write_text(
            json.dumps({"disabledExtensions": DISABLED_EXTENSIONS}, indent=1))
        args = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
                f"--LabApp.app_settings_dir={settings}",
                f"--LabApp.user_settings_dir={self.tmp / 'user-settings'}",
                f"--LabApp.workspaces_dir={self.tmp / 'workspaces'}"]
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(args, cwd=self.root, env=self.env(), stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}",
                                            timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError(f"JupyterLab did not answer within {self.startup_timeout:.0f} s:\n"
                               f"{self.log()}")
        self.server_pid = self._find_server_pid()
        return self

    def _find_server_pid(self) -> int:
        """The PID that serves our port, from ``jupyter server list --json`` (the launcher may fork)."""
        out = subprocess.run([sys.executable, "-m", "jupyter_server", "list", "--json"],
                             env=self.env(), capture_output=True, text=True, timeout=60).stdout
        for line in out.splitlines():
            try:
                info = json.loads(line)
            except json.JSONDecodeError:
                continue
            if int(info.get("port", -1)) == self.port:
                return int(info["pid"])
        raise RuntimeError(f"jupyter server list --json does not list port {self.port}: {out!r}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def api(self, path: str):
        with urllib.request.urlopen(f"{self.url}{path}?token={self.token}", timeout=30) as r:
            return json.loads(r.read())

    def lab_url(self, relative: str) -> str:
        """Lab opened at ``relative``; ``reset`` drops the workspace of earlier pages."""
        return f"{self.url}/lab/tree/{relative}?reset&token={self.token}"

    def shutdown_sessions(self) -> None:
        """Shut down every kernel session, so the next notebook starts on a quiet machine."""
        for session in self.api("/api/sessions"):
            request = urllib.request.Request(
                f"{self.url}/api/sessions/{session['id']}?token={self.token}", method="DELETE")
            try:
                urllib.request.urlopen(request, timeout=60).close()
            except OSError:
                pass

    def stop(self) -> None:
        if self.process is not None:
            pids = [p for p in (self.server_pid, self.process.pid) if p]
            for pid in dict.fromkeys(pids):
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            # Kernels the server started live in its process group: end that group.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "LabServer":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def launch_chromium(playwright):
    """Debian's Chromium, headless, with the arguments known to work on the build machines."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)


# --- in-page helpers (JavaScript run by Playwright's page.evaluate)

#: Summary of the open notebook: prompts, errors, widget problems, stderr texts.
NOTEBOOK_STATE_JS = r"""
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')];
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
      .map(p => p.textContent.trim());
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const stderr = [];
  cells.forEach((cell, i) => {
    cell.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
      .forEach(e => stderr.push({cell: i, text: e.textContent}));
  });
  const widgetErrors = [];
  cells.forEach((cell, i) => {
    for (const t of ["Error displaying widget", "model not found"]) {
      if (cell.querySelector('.jp-OutputArea') &&
          cell.querySelector('.jp-OutputArea').textContent.includes(t))
        widgetErrors.push({cell: i, text: t});
    }
  });
  return {
    prompts,
    numbered: prompts.filter(p => /^\[\d+\]:?$/.test(p)).length,
    running: prompts.filter(p => p.includes('*')).length,
    status: indicator ? indicator.getAttribute('data-status') : null,
    stderr,
    widgetErrors,
    images: panel.querySelectorAll('img.widget-image').length,
  };
}
"""

#: Lab extensions the project's test environment has but a learner's (and Binder's) has not:
#: nbgrader's menus and Notebook 7's "open in" buttons. Disabled so the page is the learner's.
DISABLED_EXTENSIONS = {"@jupyter/nbgrader": True, "@jupyter-notebook/lab-extension": True}

#: The controls of the open notebook's image panels (sliders, then dropdowns): each is
#: tagged ``data-initlab-control=<n>`` so the test can find it again.
CONTROLS_JS = r"""
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const found = [];
  const boxes = panel.querySelectorAll('.widget-slider, .widget-dropdown');
  boxes.forEach(box => {
    let img = null;
    for (let el = box.parentElement; el && el !== panel && !img; el = el.parentElement) {
      img = el.querySelector('img.widget-image');
    }
    if (!img) return;
    const handle = box.querySelector('.noUi-handle');
    const target = handle || box.querySelector('select');
    if (!target) return;
    const n = found.length;
    target.setAttribute('data-initlab-control', String(n));
    const label = (box.querySelector('.widget-label') || {}).textContent || '';
    found.push({n, label: label.trim(), kind: handle ? 'slider' : 'dropdown',
                now: handle ? parseFloat(handle.getAttribute('aria-valuenow')) : target.selectedIndex,
                min: handle ? parseFloat(handle.getAttribute('aria-valuemin')) : 0,
                max: handle ? parseFloat(handle.getAttribute('aria-valuemax')) : target.options.length - 1});
  });
  return found;
}
"""

#: Install a watcher on the panel image next to ``handle``: it stamps the key press
#: (performance.now() at keydown), the img ``src`` change (MutationObserver), and the
#: moment the new picture is decoded and a frame painted with it.
WATCH_JS = r"""
(handle) => {
  let box = handle.closest('.widget-slider, .widget-dropdown');
  let img = null;
  for (let el = box.parentElement; el && !img; el = el.parentElement) {
    img = el.querySelector('img.widget-image');
  }
  if (!img) return null;
  const w = {img, key: null, src: null, painted: null, before: img.src, after: null};
  window.__initlabWatch = w;
  document.addEventListener('keydown', e => { if (w.key === null) w.key = performance.now(); },
                            {capture: true, once: true});
  const obs = new MutationObserver(() => {
    if (w.src !== null || img.src === w.before) return;
    w.src = performance.now();
    w.after = img.src;
    obs.disconnect();
    img.decode().catch(() => null).then(() => requestAnimationFrame(() => {
      w.painted = performance.now();
    }));
  });
  obs.observe(img, {attributes: true, attributeFilter: ['src']});
  return img.src.slice(0, 60);
}
"""

WATCH_RESULT_JS = r"""
() => {
  const w = window.__initlabWatch;
  if (!w || w.painted === null) return null;
  return {key: w.key, src: w.src, painted: w.painted, before: w.before, after: w.after,
          width: w.img.naturalWidth, height: w.img.naturalHeight};
}
"""

#: SHA-256 of the bytes behind an image's src (blob: URLs included).
IMAGE_DIGEST_JS = r"""
async (src) => {
  const buf = await (await fetch(src)).arrayBuffer();
  const hash = await crypto.subtle.digest('SHA-256', buf);
  return [...new Uint8Array(hash)].map(b => b.toString(16).padStart(2, '0')).join('');
}
"""


# --- page actions


def wait_for_kernel(page, server: LabServer, name: str, timeout: float = 120.0) -> None:
    """Wait until the notebook's kernel is started and this page is connected to it.

    The toolbar's execution indicator reads "idle" before any kernel exists, and
    a Run All issued then opens a "Select Kernel" dialog instead of running, so
    the server is asked: a session for this notebook whose kernel is idle and
    has a websocket connection (the page's).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for session in server.api("/api/sessions"):
            kernel = session.get("kernel") or {}
            if (session.get("path") == name and kernel.get("execution_state") == "idle"
                    and kernel.get("connections", 0) >= 1):
                page.wait_for_selector(
                    ".jp-NotebookPanel:not(.lm-mod-hidden) "
                    ".jp-Notebook-ExecutionIndicator[data-status='idle']",
                    timeout=max(1000, (deadline - time.monotonic()) * 1000))
                return
        time.sleep(0.25)
    raise TimeoutError(f"the kernel of {name} was not ready within {timeout:.0f} s:\n{server.log()}")


def run_all_cells(page) -> None:
    """Run → Run All Cells, through the menu bar, as a learner would."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator("li[data-command='runmenu:run-all']").click()


def wait_for_run(page, expected: int, timeout: float = 300.0) -> dict:
    """Wait until Run All has finished: no ``[*]`` prompt, the kernel idle, and either
    ``expected`` numbered prompts or an error output (Run All stops at an error).
    Returns the notebook's state (see :data:`NOTEBOOK_STATE_JS`)."""
    deadline = time.monotonic() + timeout
    settled = 0
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(NOTEBOOK_STATE_JS)
        done = (state and state["running"] == 0 and state["status"] == "idle"
                and (state["numbered"] >= expected
                     or bool(error_outputs(state))))
        settled = settled + 1 if done else 0
        if settled >= 3:                      # the same answer over ~0.6 s
            return state
        time.sleep(0.2)
    raise TimeoutError(f"Run All did not finish within {timeout:.0f} s; last state: {state}")


def error_outputs(state: dict) -> list[dict]:
    """Error outputs (Lab shows them as stderr) and stderr that carries a traceback."""
    return [e for e in state["stderr"]
            if "Traceback" in e["text"]
            or re.search(r"^\s*[\w.]*(Error|Exception)\b", e["text"], flags=re.M)]
