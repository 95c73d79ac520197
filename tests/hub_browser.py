"""The hub class through its web pages: one student in Chromium, and the instructor's server.

Used by tests/test_hub.py. The student logs in on the hub's login page, opens
Nbgrader -> Assignment List, fetches the assignment, opens notebook A, types
the answers, saves, validates, submits, and later fetches the feedback, all
by clicking and typing in JupyterLab as a learner would. Chromium is Debian's
(see browser_support.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import nbformat

from browser_support import CHROMIUM, CHROMIUM_ARGS

ASSIGNMENT = "notebooks"

#: The learner's own JupyterLab settings, written into their home before they log in:
#: every cell kept in the page (so the test can find cell n), no news pop-up, no autosave.
USER_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                       "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def write_user_settings(room, user: str) -> None:
    home = room.home(user)
    base = home / ".jupyter" / "lab" / "user-settings"
    for rel, value in USER_SETTINGS.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    for dirpath, dirs, files in os.walk(home / ".jupyter"):
        shutil.chown(dirpath, user, user)
        os.chmod(dirpath, 0o700)
        for f in files:
            shutil.chown(os.path.join(dirpath, f), user, user)
            os.chmod(os.path.join(dirpath, f), 0o600)


def page_config(html: str) -> dict:
    m = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1)) if m else {}


def wait_for(predicate, timeout: float, what: str, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")


def browser_student_work(room, user: str, notebook: str, sources: dict[str, str], artifacts: Path) -> dict:
    """Log in as ``user`` and do the assignment's notebook ``notebook`` in the page.

    ``sources`` maps each answer cell's grade_id to what the student types.
    Returns what the page showed, plus ``page_fetch_feedback`` (call it after
    the feedback is released) and ``close``.
    """
    from playwright.sync_api import sync_playwright

    write_user_settings(room, user)
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    out: dict = {}

    def shot(name):
        try:
            artifacts.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(artifacts / f"hub-{name}.png"))
        except Exception:
            pass

    def close():
        try:
            browser.close()
        finally:
            pw.stop()

    out["close"] = close
    try:
        page.goto(f"{room.url}/hub/login")
        page.fill("#username_input", user)
        page.fill("#password_input", room.password)
        page.click("#login_submit")
        page.wait_for_url(f"**/user/{user}/lab**", timeout=240_000)
        page.wait_for_selector(".jp-LabShell")
        page.wait_for_selector("li.lm-MenuBar-item:has-text('Nbgrader')")
        out["disabled_extensions"] = sorted(page.evaluate(
            "() => JSON.parse(document.getElementById('jupyter-config-data').textContent)"
            ".disabledExtensions || []"))
        out["formgrader_status"] = page.request.get(f"{room.url}/user/{user}/formgrader").status

        # Nbgrader -> Assignment List; a student's menu holds nothing else.
        page.locator("li.lm-MenuBar-item", has_text="Nbgrader").click()
        menu = page.locator(".lm-Menu").last
        menu.wait_for()
        out["nbgrader_menu"] = [t.strip() for t in menu.locator(".lm-Menu-itemLabel").all_inner_texts()
                                if t.strip()]
        menu.locator(".lm-Menu-item", has_text="Assignment List").click()
        page.locator("#released_assignments_list .list_item button", has_text="Fetch").click()
        page.wait_for_selector("#fetched_assignments_list .list_item")
        shot("1-fetched")

        # Open the notebook from the list.
        page.locator("#fetched_assignments_list a.assignment-notebooks-link").first.click()
        page.locator("#fetched_assignments_list .nested_list_item a", has_text=notebook).click()
        panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        panel.locator(".jp-Notebook .jp-Cell").first.wait_for()
        fetched = room.home(user) / ASSIGNMENT / f"{notebook}.ipynb"
        nb = nbformat.read(fetched, as_version=4)
        index = {c.metadata.get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(nb.cells)}
        cells = panel.locator(".jp-Notebook .jp-Cell")
        wait_for(lambda: cells.count() == len(nb.cells), 60, "every cell of the notebook in the page")

        # Type each answer, as a learner would (replacing the stub).
        for grade_id, text in sources.items():
            cell = cells.nth(index[grade_id])
            cell.scroll_into_view_if_needed()
            if nb.cells[index[grade_id]].cell_type == "markdown":
                cell.locator(".jp-MarkdownOutput").dblclick()
            editor = cell.locator(".cm-content")
            editor.click()
            page.keyboard.press("Control+a")
            page.keyboard.insert_text(text)
            page.keyboard.press("Escape")
        page.keyboard.press("Control+s")

        def saved():
            now = nbformat.read(fetched, as_version=4)
            return all(now.cells[index[g]].source == t for g, t in sources.items())
        wait_for(saved, 60, "the typed answers saved to the student's notebook")
        shot("2-answered")

        # Validate from the Assignment List, then submit.
        page.locator(".lm-TabBar-tab", has_text="Assignments").click()
        row = page.locator("#fetched_assignments_list .nested_list_item", has_text=notebook)
        row.locator("button", has_text="Validate").click()
        dialog = page.locator(".jp-Dialog")
        dialog.wait_for(timeout=300_000)
        out["validate_message"] = dialog.locator(".jp-Dialog-body").inner_text().strip()
        shot("3-validated")
        dialog.locator("button").last.click()
        dialog.wait_for(state="detached")
        page.locator("#fetched_assignments_list > .list_item button", has_text="Submit").first.click()
        page.wait_for_selector("#submitted_assignments_list .list_item")
        out["submitted_rows"] = page.locator("#submitted_assignments_list .list_item").count()
        shot("4-submitted")
    except Exception:
        shot("failure")
        close()
        raise

    def fetch_feedback() -> dict:
        try:
            page.locator("#refresh_assignments_list").click()
            button = page.locator("#submitted_assignments_list button", has_text="Fetch Feedback").first
            button.wait_for()
            button.click()
            top = room.home(user) / ASSIGNMENT / "feedback"
            submitted = len(list((room.home(user) / ASSIGNMENT).glob("*.ipynb")))

            def files():
                found = list(top.glob("*/*.html")) if top.exists() else []
                return found if len(found) >= submitted else None
            found = wait_for(lambda: files() and page.locator(
                "#submitted_assignments_list", has_text="view feedback").count(), 120,
                "the feedback fetched in the page") and files()
            shot("5-feedback")
            return {"files": sorted(p.name for p in found),
                    "text": {p.stem: p.read_text(errors="replace") for p in found}}
        except Exception:
            shot("failure-feedback")
            raise

    out["page_fetch_feedback"] = fetch_feedback
    return out


def hub_login(room, user: str, timeout: float = 240):
    """A ``requests`` session logged in to the hub as ``user``, with the user's server running."""
    import requests

    s = requests.Session()
    s.get(f"{room.url}/hub/login", timeout=60)
    s.post(f"{room.url}/hub/login", data={"username": user, "password": room.password,
                                          "_xsrf": s.cookies.get("_xsrf", path="/hub/")}, timeout=120)

    def ready():
        r = s.get(f"{room.url}/user/{user}/lab", timeout=60)
        return r if r.status_code == 200 and r.url.rstrip("/").endswith(f"/user/{user}/lab") else None
    return s, wait_for(ready, timeout, f"{user}'s server", interval=1.0)


def instructor_server_checks(room, assignment: str) -> dict:
    """The instructor's server through the hub: formgrader answers and lists the course."""
    s, lab = hub_login(room, room.instructor)
    r = s.get(f"{room.url}/user/{room.instructor}/formgrader", timeout=60)
    api = s.get(f"{room.url}/user/{room.instructor}/formgrader/api/assignments", timeout=60)
    names = [a.get("name") for a in api.json()] if api.status_code == 200 else [api.status_code]
    return {"formgrader_status": r.status_code, "formgrader_assignments": names,
            "disabled_extensions": sorted(page_config(lab.text).get("disabledExtensions") or [])}
