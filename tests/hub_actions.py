"""What one user of the hub class does, run AS that Unix user by tests/test_hub.py.

``python hub_actions.py PLAN.json`` runs the plan's steps in order and prints
one JSON line per step (``{"step": i, "do": ..., ...}``). It uses nbgrader's
own exchange classes and API with the user's configuration (the
``JUPYTER_CONFIG_PATH`` the hub gives their server), exactly as the
Assignment List extension (students) and formgrader (instructor) do. It is
copied into the class folder because the repository itself may not be
readable by the students' accounts.

Student steps: ``fetch``, ``edit`` (replace grade cells' sources, delete
cells), ``submit`` (optionally ``as`` another student: a forgery), ``wait``
(print READY, block until a line arrives on stdin: the test's starting gun
for the simultaneous submissions), ``fetch_feedback``, ``probe`` (try
forbidden operations and report what the system said).

Instructor steps: ``generate_release``, ``collect``, ``autograde``,
``manual_grades``, ``feedback``, ``export``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import sys
import time
import traceback


def emit(**record) -> None:
    print(json.dumps(record), flush=True)


@contextlib.contextmanager
def chdir(path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def load_config(directory: str, **overrides):
    """nbgrader's configuration as its extensions load it: the config path, then ``directory``."""
    from jupyter_core.paths import jupyter_config_path
    from nbgrader.apps import NbGrader

    with chdir(directory):
        paths = jupyter_config_path()
        paths.insert(0, os.getcwd())
        app = NbGrader()
        app.config_file_paths.append(paths)
        app.load_config_file()
        config = app.config
    for key, value in overrides.items():
        section, trait = key.split(".")
        config[section][trait] = value
    return config


def exchange_step(kind: str, directory: str, **overrides):
    """Run one of nbgrader's exchange steps (``FetchAssignment``, ``Submit``, ...) in ``directory``."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeFactory

    config = load_config(directory, **overrides)
    with chdir(directory):
        coursedir = CourseDirectory(config=config)
        step = getattr(ExchangeFactory(config=config), kind)(
            coursedir=coursedir, authenticator=Authenticator(config=config), config=config)
        return step.start()


# -- student steps ---------------------------------------------------------------------------------
def do_fetch(step, home):
    exchange_step("FetchAssignment", home, **{"CourseDirectory.assignment_id": step["assignment"]})
    folder = os.path.join(home, step["assignment"])
    return {"notebooks": sorted(f for f in os.listdir(folder) if f.endswith(".ipynb"))}


def do_edit(step, home):
    import nbformat

    folder = os.path.join(home, step["assignment"])
    changed = 0
    for name, sources in step.get("sources", {}).items():
        path = os.path.join(folder, name + ".ipynb")
        nb = nbformat.read(path, as_version=4)
        deleted = set(step.get("delete", {}).get(name, []))
        cells = []
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in deleted:
                changed += 1
                continue
            if grade_id in sources:
                cell.source = sources[grade_id]
                changed += 1
            cells.append(cell)
        nb.cells = cells
        nbformat.write(nb, path)
    return {"changed_cells": changed}


def do_submit(step, home):
    overrides = {"CourseDirectory.assignment_id": step["assignment"]}
    if step.get("as"):
        overrides["CourseDirectory.student_id"] = step["as"]      # nbgrader submit --student=...
    exchange_step("Submit", home, **overrides)
    return {"at": time.time()}


def do_wait(step, home):
    print("READY", flush=True)
    sys.stdin.readline()
    return {"released_at": time.time()}


def do_fetch_feedback(step, home):
    exchange_step("FetchFeedback", home, **{"CourseDirectory.assignment_id": step["assignment"]})
    found = {}
    top = os.path.join(home, step["assignment"], "feedback")
    for dirpath, _, files in os.walk(top):
        for f in files:
            if f.endswith(".html"):
                with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                    found[os.path.relpath(os.path.join(dirpath, f), top)] = fh.read()
    return {"feedback": found}


def attempt(op: str, path: str, dest: str | None = None):
    """Try one operation; return ``"allowed"`` or the errno name it failed with."""
    try:
        if op == "listdir":
            os.listdir(path)
        elif op == "read":
            with open(path, "rb") as fh:
                fh.read(1)
        elif op == "append":
            with open(path, "ab") as fh:
                fh.write(b" ")
        elif op == "create":
            with open(path, "xb") as fh:
                fh.write(b"x")
        elif op == "rename":
            os.rename(path, dest)
        elif op == "replace_dir":
            # Make a folder of one's own and move it over the target (replace a submission).
            os.mkdir(dest, 0o755)
            try:
                os.rename(dest, path)
            finally:
                if os.path.isdir(dest):
                    os.rmdir(dest)
        elif op == "mkdir":
            os.mkdir(path)
        elif op == "rmtree":
            shutil.rmtree(path)
        elif op == "chmod":
            os.chmod(path, 0o777)
        else:
            raise ValueError(op)
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    return "allowed"


def do_probe(step, home):
    return {"results": [dict(a, outcome=attempt(a["op"], a["path"], a.get("dest")))
                        for a in step["attempts"]]}


# -- instructor steps -----------------------------------------------------------------------------
def api(course, **overrides):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(course, **overrides)
    with chdir(course):
        return NbGraderAPI(CourseDirectory(config=config), config=config)


def checked(result, what):
    if not result.get("success"):
        raise RuntimeError(f"{what} failed:\n{result.get('error', '')}\n{result.get('log', '')}")
    return result.get("log", "")


def do_generate_release(step, course):
    a = api(course)
    checked(a.generate_assignment(step["assignment"], force=True, create=True), "generate_assignment")
    # release through the configured exchange class, as nbgrader release_assignment does
    exchange_step("ReleaseAssignment", course, **{"CourseDirectory.assignment_id": step["assignment"],
                                                  "ExchangeReleaseAssignment.force": True})
    return {}


def do_collect(step, course):
    with chdir(course):
        log = checked(api(course).collect(step["assignment"], update=True), "collect")
    return {"log": log}


def do_autograde(step, course):
    start = time.perf_counter()
    with chdir(course):
        log = checked(api(course).autograde(step["assignment"], "*", force=True, create=True),
                      "autograde")
    return {"seconds": time.perf_counter() - start, "log": log[-20000:]}


def do_manual_grades(step, course):
    """Give written answers their points through the gradebook, as formgrader's API does."""
    from nbgrader.api import Gradebook

    config = load_config(course)
    url = config.CourseDirectory.db_url or "sqlite:///" + os.path.join(course, "gradebook.db")
    done = 0
    with Gradebook(url, config.CourseDirectory.course_id) as gb:
        for g in step["grades"]:
            grade = gb.find_grade(g["grade_id"], g["notebook"], step["assignment"], g["student"])
            grade.manual_score = g["score"]
            comment = gb.find_comment(g["grade_id"], g["notebook"], step["assignment"], g["student"])
            comment.manual_comment = g.get("comment", "")
            done += 1
        gb.db.commit()
    return {"graded": done}


def do_feedback(step, course):
    with chdir(course):
        a = api(course)
        log = checked(a.generate_feedback(step["assignment"], force=True), "generate_feedback")
        log += checked(a.release_feedback(step["assignment"]), "release_feedback")
    return {"log": log[-5000:]}


def do_export(step, course):
    from nbgrader.apps import NbGraderApp  # noqa: F401  (import check)
    import subprocess

    out = os.path.join(course, "grades.csv")
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "nbgrader"), "export",
                           f"--to={out}"], cwd=course, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stdout + done.stderr)
    with open(out, encoding="utf-8") as fh:
        return {"csv": fh.read()}


STEPS = {name[3:]: fn for name, fn in globals().items() if name.startswith("do_")}


def main(plan_path: str) -> int:
    with open(plan_path, encoding="utf-8") as fh:
        plan = json.load(fh)
    where = plan.get("cwd") or os.path.expanduser("~")
    os.chdir(where)
    for i, step in enumerate(plan["steps"]):
        start = time.perf_counter()
        try:
            result = STEPS[step["do"]](step, where)
        except Exception as e:       # reported, not raised: the test decides what a failure means
            emit(step=i, do=step["do"], ok=False, error=f"{type(e).__name__}: {e}",
                 traceback=traceback.format_exc()[-4000:], seconds=time.perf_counter() - start)
            if not step.get("may_fail"):
                return 1
            continue
        emit(step=i, do=step["do"], ok=True, seconds=time.perf_counter() - start, **result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
