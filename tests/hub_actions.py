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

``python hub_actions.py --zygote`` (as root) starts many students' plans, each
in its own process forked from one that imported nbgrader once, which then
becomes that student for good (``setgroups([])``, ``setgid``, ``setuid``,
umask 077) before it runs anything; see :func:`zygote`.
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


def _autograde_shard(course, assignment, pattern):
    with chdir(course):
        result = api(course).autograde(assignment, pattern, force=True, create=True)
    return bool(result.get("success")), result.get("error", "") + result.get("log", "")


def do_autograde(step, course):
    """Autograde every collected submission: one nbgrader autograde run per student glob in
    ``shards`` (default ``["*"]``), the runs side by side (one per core; the gradebook's
    SQLite serialises their short writes)."""
    import multiprocessing

    shards = step.get("shards") or ["*"]
    if len(shards) == 1:
        results = [_autograde_shard(course, step["assignment"], shards[0])]
    else:
        with multiprocessing.get_context("fork").Pool(len(shards)) as pool:
            results = pool.starmap(_autograde_shard, [(course, step["assignment"], p) for p in shards])
    log = "\n".join(r[1] for r in results)
    if not all(ok for ok, _ in results):
        raise RuntimeError(f"autograde failed:\n{log[-20000:]}")
    return {"shards": shards, "log": log}


def do_manual_grades(step, course):
    """Give written answers their points through the gradebook, as formgrader's API does."""
    from nbgrader.api import Gradebook

    from nbgrader.coursedir import CourseDirectory

    config = load_config(course)
    with chdir(course):
        coursedir = CourseDirectory(config=config)
    done = 0
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
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
        emit(**dict(result, step=i, do=step["do"], ok=True, seconds=time.perf_counter() - start))
    return 0


# -- many students at once: one process each, forked from a parent that imported nbgrader once ----
def _child(user: dict, stdin_r: int, stdout_w: int) -> None:
    """In the forked child: become the student for good, then run their plan. Never returns."""
    code = 1
    try:
        os.dup2(stdin_r, 0)
        os.dup2(stdout_w, 1)
        os.dup2(stdout_w, 2)
        os.closerange(3, 4096)
        # Drop root for good: no supplementary groups, then gid, then uid (real, effective and
        # saved all change, so the process cannot get root back), and a private umask.
        os.setgroups([])
        os.setgid(user["gid"])
        os.setuid(user["uid"])
        os.umask(0o077)
        os.environ.clear()
        os.environ.update(user["env"])
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = sys.stderr = open(1, "w", buffering=1, closefd=False)
        emit(do="identity", ok=True, uid=os.getuid(), euid=os.geteuid(), gid=os.getgid(),
             egid=os.getegid(), groups=os.getgroups(), umask=os.umask(0o077))
        code = main(user["plan"])
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
        finally:
            os._exit(code)


def zygote() -> int:
    """Run as root: start students' plans on request, each in a child forked from here.

    Control lines on stdin (JSON): ``{"cmd": "start", "name", "uid", "gid", "env", "plan"}``,
    ``{"cmd": "go"}`` (a line to every child's stdin: the starting gun). On stdout: every
    line a child prints, as ``name<TAB>line``, and ``name<TAB>EXIT <code>`` when it ends.
    Importing nbgrader costs about 2.5 s of CPU; forking after importing it once saves that
    for every student, which on 2 cores is most of what thirty students' actions cost.
    """
    import selectors

    import nbformat  # noqa: F401  (imported once, here, for every child)
    from nbgrader.apps import NbGrader  # noqa: F401
    from nbgrader.exchange import ExchangeFactory  # noqa: F401
    from nbgrader.exchange.default import submit, fetch_assignment, fetch_feedback  # noqa: F401
    import initlab_exchange  # noqa: F401

    sel = selectors.DefaultSelector()
    sel.register(0, selectors.EVENT_READ, None)
    children, pending, control = {}, {}, b""
    out = os.fdopen(1, "w", buffering=1, closefd=False)
    stdin_open = True
    while stdin_open or children:
        for key, _ in sel.select():
            if key.data is None:
                data = os.read(0, 65536)
                if not data:
                    stdin_open = False
                    sel.unregister(0)
                    continue
                control += data
                while b"\n" in control:
                    line, control = control.split(b"\n", 1)
                    cmd = json.loads(line)
                    if cmd["cmd"] == "start":
                        in_r, in_w = os.pipe()
                        out_r, out_w = os.pipe()
                        out.flush()
                        pid = os.fork()
                        if pid == 0:
                            _child(cmd, in_r, out_w)
                        os.close(in_r)
                        os.close(out_w)
                        children[out_r] = (cmd["name"], pid, in_w)
                        pending[out_r] = b""
                        sel.register(out_r, selectors.EVENT_READ, cmd["name"])
                    elif cmd["cmd"] == "go":
                        for _, _, in_w in children.values():
                            try:
                                os.write(in_w, b"go\n")
                            except OSError:
                                pass
            else:
                fd = key.fd
                data = os.read(fd, 65536)
                name, pid, in_w = children[fd]
                if data:
                    pending[fd] += data
                    while b"\n" in pending[fd]:
                        line, pending[fd] = pending[fd].split(b"\n", 1)
                        out.write(f"{name}\t{line.decode(errors='replace')}\n")
                    continue
                sel.unregister(fd)
                os.close(fd)
                os.close(in_w)
                if pending[fd]:
                    out.write(f"{name}\t{pending[fd].decode(errors='replace')}\n")
                _, status = os.waitpid(pid, 0)
                out.write(f"{name}\tEXIT {os.waitstatus_to_exitcode(status)}\n")
                del children[fd], pending[fd]
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "--zygote":
        sys.exit(zygote())
    sys.exit(main(sys.argv[1]))
