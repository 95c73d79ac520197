"""A whole class on a real JupyterHub, through nbgrader's exchange, with the students kept apart.

The hub tier (``-m hub``; it runs inside ``python3 tasks.py test``). It needs
root on Linux (it creates Unix accounts) and node/npm (the hub's proxy); it
installs the hub's environment itself (``python3 tasks.py hub --setup-only``).

One module-scoped run (fixture ``run``) does the class end to end and records
what happened; the tests below assert on that record:

1. set-up (``hub/classroom.py``): an instructor and a class of students
   (``INITLAB_HUB_STUDENTS``, default 31: thirty
   submit at the same moment, the browser student on their own) as real Unix accounts, the exchange
   and course folders with their permissions, the per-role configuration, and
   JupyterHub (``hub/jupyterhub_config.py``: LocalProcessSpawner, a shared
   password) on 127.0.0.1;
2. the instructor (as their Unix account, through nbgrader's API) generates and
   releases the student edition of two course notebooks A and B;
3. every student, as their own Unix account, fetches it and works: one
   complete and right, one blank, one partly wrong, one whose answers raise and
   loop forever, one who tampers with test cells, one who submits twice (the
   later counts), one who also forges a submission in another student's name,
   the rest complete with the last answer of A and/or B wrong; one student does
   everything in Chromium through the hub (log in, Assignment List, fetch,
   open, answer, validate, submit, and later fetch the feedback). Then all of
   them submit at the same moment (a starting gun on their stdin);
4. the instructor collects (the forgery is rejected), autogrades the class in
   one call, grades the written answers through the gradebook (formgrader's
   API), generates and releases feedback, and exports the scores;
5. every student fetches their own feedback, and tries, as their own account,
   every forbidden thing on the issue's list.

Expected scores are computed from the notebooks' nbgrader metadata (test
cells, their answer cells, points), never hard-coded: a test scores its
points if and only if its answer cell was submitted right. Only the last
exercise of a notebook is ever broken, so no later test depends on a broken
answer (the rule tests/test_nbgrader.py uses).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from class_tier import hub_environment, load_classroom, machine_refuses, one_class_at_a_time
from simulated_students import answer_code, cell_by_id, exercises, meta, text
from course_utils.settings import setting

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.hub

N_STUDENTS = setting("INITLAB_HUB_STUDENTS")
# Account names start with this (two runs side by side on one machine need different ones).
ACCOUNT_PREFIX = setting("INITLAB_HUB_ACCOUNT_PREFIX")
TEACHER = f"{ACCOUNT_PREFIX}teacher"
STUDENTS = [f"{ACCOUNT_PREFIX}s{i:02d}" for i in range(1, N_STUDENTS + 1)]
ASSIGNMENT = "notebooks"
CELL_TIMEOUT = 20       # s per cell while autograding this class (production: 120, nbgrader_config.py)
ARTIFACTS = ROOT / "tests" / "artifacts"
# The class is autograded by two nbgrader runs side by side, one per core, each taking the
# students whose names end in an even or an odd digit (INSTRUCTORS.md shows the commands).
AUTOGRADE_SHARDS = ["*[02468]", "*[13579]"]

# Roles of the first students; the rest are the load.
RIGHT, BLANK, PARTLY, BROKEN, TAMPER, TWICE, BROWSER, FORGER = STUDENTS[:8]
VICTIM = BLANK            # the forger submits in this student's name


def why_skip() -> str | None:
    if (reason := machine_refuses("hub", ("node", "npm", "useradd", "userdel"), ACCOUNT_PREFIX,
                                  "INITLAB_HUB_ACCOUNT_PREFIX")):
        return reason
    if not setting("INITLAB_CHROMIUM").exists():
        return "the browser student needs Debian's Chromium: apt-get install -y chromium (.ci/run does)"
    if N_STUDENTS < 9:
        return "INITLAB_HUB_STUDENTS must be at least 9 (eight roles and the load)"
    return None


if why_skip():
    pytest.skip(why_skip(), allow_module_level=True)

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("playwright", reason="playwright is missing: pip install -e '.[browser]'")

classroom = load_classroom(ROOT)


# -- the notebooks' grading metadata -----------------------------------------------------------------


def answer_cells(nb) -> list[dict]:
    """Every cell a student writes in: ``{"grade_id", "cell_type", "manual", "points"}``."""
    return [{"grade_id": meta(c)["grade_id"], "cell_type": c["cell_type"],
             "manual": bool(meta(c).get("grade")), "points": float(meta(c).get("points", 0) or 0)}
            for c in nb["cells"] if meta(c).get("solution")]




def pick_notebooks() -> list[Path]:
    """Notebooks A and B: ``INITLAB_HUB_NOTEBOOKS`` (prefixes, e.g. ``01,02``), else the first two
    after the index with two or more autograded tests (the partly-wrong student needs two)."""
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    wanted = setting("INITLAB_HUB_NOTEBOOKS")
    if wanted:
        picked = [p for w in wanted.split(",") for p in paths if p.name.startswith(w.strip())]
    else:
        ok = [p for p in paths if len(exercises(nbformat.read(p, as_version=4))) >= 2]
        picked = ([p for p in ok if not p.name.startswith("00")] or ok)[:2]
    assert len(picked) == 2, f"need two notebooks with two or more autograded tests, got {picked}"
    return picked






class Course:
    """The instructor source of A and B, and what each kind of answer looks like."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        self.names = [p.stem for p in paths]
        self.source = {p.stem: nbformat.read(p, as_version=4) for p in paths}

    def answers(self, name):
        return answer_cells(self.source[name])

    def exercises(self, name):
        return exercises(self.source[name])

    def last_answer(self, name) -> str:
        return self.exercises(name)[-1]["answer"]

    def solution(self, name, grade_id) -> str:
        return text(cell_by_id(self.source[name], grade_id))

    def answer(self, name, grade_id, how: str, marker: str) -> str:
        """The source a student writes into an answer cell: ``right``, ``wrong``, ``raises``, ``loops``."""
        solution = self.solution(name, grade_id)
        if cell_by_id(self.source[name], grade_id)["cell_type"] == "markdown":
            return f"{solution}\n\n<!-- {marker} -->"
        return f"# {marker}\n{answer_code(solution, how, grade_id)}"

    def sources(self, how: dict[str, dict[str, str]], marker: str, only=None) -> dict:
        """``{notebook: {answer grade_id: source}}``; ``how[notebook][grade_id]`` defaults to right."""
        out = {}
        for name in (only or self.names):
            out[name] = {a["grade_id"]: self.answer(name, a["grade_id"], how.get(name, {}).get(
                a["grade_id"], "right"), marker) for a in self.answers(name)}
        return out

    def auto_expected(self, how: dict | None) -> dict:
        """``{notebook: points}`` autograded; ``how=None`` is a blank submission."""
        out = {}
        for name in self.names:
            if how is None or name not in how:
                out[name] = 0.0
                continue
            out[name] = sum(e["points"] for e in self.exercises(name)
                            if how[name].get(e["answer"], "right") == "right")
        return out


# -- the run ------------------------------------------------------------------------------------------
def write_json(path: Path, data, owner: str | None = None) -> Path:
    path.write_text(json.dumps(data))
    if owner:
        shutil.chown(path, owner, owner)
    os.chmod(path, 0o600 if owner else 0o644)
    return path


def records(output: str) -> list[dict]:
    out = []
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out


class Run:
    """Everything the class run did and measured (filled by the ``run`` fixture)."""

    def __init__(self):
        self.timings: dict[str, float] = {}
        self.expected: dict[str, dict] = {}       # student -> {"auto": {nb: pts}, "manual": {nb: pts}}
        self.markers: dict[str, str] = {}
        self.results: dict[str, list[dict]] = {}  # user -> step records
        self.probes: dict[str, list[dict]] = {}
        self.notes: dict = {}


class Stopwatch:
    def __init__(self, run: Run, name: str):
        self.run, self.name = run, name

    def __enter__(self):
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        self.run.timings[self.name] = time.perf_counter() - self.start


def write_plan(room, user: str, steps: list[dict], plan_dir: Path, cwd=None) -> Path:
    return write_json(plan_dir / f"plan-{user}-{len(list(plan_dir.iterdir()))}.json",
                      {"steps": steps, "cwd": str(cwd) if cwd else None}, owner=user)


def start_actions(room, user: str, steps: list[dict], plan_dir: Path, script: Path, cwd=None):
    """One user's plan in a new process as that user (the instructor's steps)."""
    plan = write_plan(room, user, steps, plan_dir, cwd)
    return room.popen_as(user, [room.python, script, plan], cwd=cwd, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc, user: str, timeout: float = 900) -> list[dict]:
    out, _ = proc.communicate(timeout=timeout)
    recs = records(out)
    failed = [r for r in recs if not r.get("ok")]
    quiet = "\n".join(line for line in out.splitlines() if "WARNING | Kernel is running over TCP" not in line)
    assert proc.returncode == 0 and not failed, f"{user}: exit {proc.returncode}\n{quiet[-6000:]}"
    return recs


class Students:
    """The students' plans, each in its own process as that student (``hub_actions.py --zygote``).

    Every process is forked from one root process that has imported nbgrader once, and drops
    root for good before it runs anything (its first record states its uid, gid and groups,
    and the tests check them).
    """

    def __init__(self, room, script: Path):
        env = {"PATH": f"{room.venv / 'bin'}:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/root"}
        self.room = room
        self.proc = subprocess.Popen([str(room.python), str(script), "--zygote"], cwd=room.class_dir,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        self.lines: dict[str, list[str]] = {}
        self.exits: dict[str, int] = {}

    def _send(self, **cmd) -> None:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def start(self, name: str, plan: Path) -> None:
        import pwd
        entry = pwd.getpwnam(name)
        self.lines[name] = []
        self.exits.pop(name, None)
        self._send(cmd="start", name=name, uid=entry.pw_uid, gid=entry.pw_gid,
                   env=self.room.user_env(name), plan=str(plan))

    def go(self) -> None:
        self._send(cmd="go")

    def wait(self, names, ready: bool = False) -> None:
        """Read until every one of ``names`` printed READY (``ready``) or ended."""
        def done(n):
            return n in self.exits or (ready and "READY" in self.lines[n])
        while not all(done(n) for n in names):
            line = self.proc.stdout.readline()
            assert line, f"the students' process ended early: {self.proc.wait()}"
            name, _, rest = line.rstrip("\n").partition("\t")
            if rest.startswith("EXIT "):
                self.exits[name] = int(rest.split()[1])
            else:
                self.lines.setdefault(name, []).append(rest)
        if ready:
            for n in names:
                assert "READY" in self.lines[n], f"{n} ended before READY:\n" + "\n".join(self.lines[n])

    def results(self, name: str) -> list[dict]:
        recs = records("\n".join(self.lines[name]))
        failed = [r for r in recs if not r.get("ok")]
        assert self.exits.get(name) == 0 and not failed, \
            f"{name}: exit {self.exits.get(name)}\n" + "\n".join(self.lines[name])[-6000:]
        return recs

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()


@pytest.fixture(scope="module")
def run():
    # One class per account prefix at a time: a second run would take the same account names.
    with one_class_at_a_time(ACCOUNT_PREFIX):
        yield from _run()


def _run():
    total = time.perf_counter()
    r = Run()
    with Stopwatch(r, "hub environment (python3 tasks.py hub --setup-only)"):
        prefix = hub_environment(ROOT)
    leftovers = classroom.remove_leftovers(prefix=ACCOUNT_PREFIX)
    r.notes["leftover accounts removed"] = leftovers

    course = Course(pick_notebooks())
    r.course = course
    a_nb, b_nb = course.names
    class_dir = Path(tempfile.mkdtemp(prefix="initlab-hub-"))
    shutil.rmtree(class_dir)
    room = classroom.Classroom(
        prefix, class_dir, TEACHER, STUDENTS, course.paths, grader=f"{ACCOUNT_PREFIX}grader",
        course_overrides=("# tests/test_hub.py: a shorter per-cell limit, so the endless loop costs "
                          f"{CELL_TIMEOUT} s\nc.Execute.timeout = {CELL_TIMEOUT}\n"))
    r.room = room
    try:
        with Stopwatch(r, "accounts, exchange and configuration"):
            room.create()
        bindir = class_dir / "bin"
        bindir.mkdir(mode=0o755)
        os.chmod(bindir, 0o755)
        script = bindir / "hub_actions.py"
        shutil.copy(ROOT / "tests" / "hub_actions.py", script)
        os.chmod(script, 0o644)
        plans = class_dir / "plans"
        plans.mkdir()
        os.chmod(plans, 0o711)
        cycle = time.perf_counter()

        # -- release, while the hub starts ------------------------------------------------------
        with Stopwatch(r, "release (generate_assignment + release_assignment) and hub start"):
            teacher = start_actions(room, TEACHER, [{"do": "generate_release", "assignment": ASSIGNMENT}],
                                    plans, script, cwd=room.course_dir)
            hub_start = time.perf_counter()
            room.start_hub()
            r.timings["hub start"] = time.perf_counter() - hub_start
            r.results[TEACHER] = finish(teacher, TEACHER)

        # -- every student (but the browser one) fetches and works, then waits for the gun ----------
        work: dict[str, dict] = {}

        def plan(student, how, only=None, marker=None, deletions=None, tests=None):
            marker = marker or f"initlab-hub answer by {student}"
            r.markers[student] = marker
            sources = course.sources(how, marker, only=only)
            for name, cells in (tests or {}).items():
                sources.setdefault(name, {}).update(cells)
            return {"do": "edit", "assignment": ASSIGNMENT, "sources": sources,
                    "delete": deletions or {}}

        last_a, last_b = course.last_answer(a_nb), course.last_answer(b_nb)
        first_test_a = course.exercises(a_nb)[0]["test"]
        last_test_b = course.exercises(b_nb)[-1]["test"]
        fetch = {"do": "fetch", "assignment": ASSIGNMENT}
        submit = {"do": "submit", "assignment": ASSIGNMENT}
        wait = {"do": "wait"}
        hows = {
            RIGHT: {a_nb: {}, b_nb: {}},
            PARTLY: {a_nb: {last_a: "wrong"}, b_nb: {}},
            BROKEN: {a_nb: {last_a: "raises"}, b_nb: {last_b: "loops"}},
            TAMPER: {a_nb: {}, b_nb: {last_b: "wrong"}},
            TWICE: {a_nb: {}, b_nb: {}},
            FORGER: {a_nb: {}, b_nb: {}},
            BROWSER: {a_nb: {}},
        }
        for k, s in enumerate(STUDENTS[8:], start=8):
            hows[s] = {a_nb: {last_a: "wrong"} if k % 4 in (1, 3) else {},
                       b_nb: {last_b: "wrong"} if k % 4 in (2, 3) else {}}
        work[RIGHT] = [fetch, plan(RIGHT, hows[RIGHT]), wait, submit]
        work[BLANK] = [fetch, wait, submit]
        r.markers[BLANK] = None
        work[PARTLY] = [fetch, plan(PARTLY, hows[PARTLY]), wait, submit]
        work[BROKEN] = [fetch, plan(BROKEN, hows[BROKEN]), wait, submit]
        # Tampering: B's wrong last answer's test edited to `pass`; A's first test deleted.
        work[TAMPER] = [fetch, plan(TAMPER, hows[TAMPER], tests={b_nb: {last_test_b: "pass\n"}},
                                    deletions={a_nb: [first_test_a]}), wait, submit]
        # Twice: a first, blank submission early; the complete one at the gun (the later counts).
        work[TWICE] = [fetch, submit, plan(TWICE, hows[TWICE]), wait, submit]
        # The forger: their own complete work, and the same in the victim's name.
        forged_marker = f"initlab-hub FORGED by {FORGER} in the name of {VICTIM}"
        forged = course.sources(hows[FORGER], forged_marker)
        work[FORGER] = [fetch, plan(FORGER, hows[FORGER]), wait, submit,
                        {"do": "edit", "assignment": ASSIGNMENT, "sources": forged},
                        dict(submit, **{"as": VICTIM})]
        for s in STUDENTS[8:]:
            work[s] = [fetch, plan(s, hows[s]), wait, submit]

        phase = time.perf_counter()
        crowd = Students(room, script)
        r.crowd = crowd
        for s, steps in work.items():
            crowd.start(s, write_plan(room, s, steps, plans))

        # -- meanwhile, the browser student and the instructor's server -------------------------------
        from hub_browser import browser_student_work, instructor_server_checks
        browser_marker = f"initlab-hub answer by {BROWSER}"
        r.markers[BROWSER] = browser_marker
        browser_sources = course.sources(hows[BROWSER], browser_marker, only=[a_nb])[a_nb]
        with Stopwatch(r, "browser student: log in, fetch, answer, validate, submit"):
            r.browser = browser_student_work(room, BROWSER, a_nb, browser_sources, ARTIFACTS)
        with Stopwatch(r, "instructor's server: formgrader and extensions"):
            r.instructor_server = instructor_server_checks(room, ASSIGNMENT)

        crowd.wait(list(work), ready=True)
        r.timings["students fetch and work (concurrently, until all ready)"] = time.perf_counter() - phase
        gun = time.perf_counter()
        crowd.go()                        # the starting gun: everybody submits now
        crowd.wait(list(work))
        for s in work:
            r.results[s] = crowd.results(s)
        r.timings["simultaneous submissions (gun to last done)"] = time.perf_counter() - gun
        done_at = [rec["at"] for recs in r.results.values() for rec in recs
                   if rec.get("do") == "submit" and rec.get("at")]
        released = [rec["released_at"] for recs in r.results.values() for rec in recs
                    if rec.get("do") == "wait"]
        r.notes["submissions after the gun"] = len([t for t in done_at if t >= min(released)])
        r.notes["spread of the simultaneous submissions (s)"] = max(done_at) - min(released)
        r.inbound = sorted(os.listdir(room.inbound))

        # -- the instructor: collect, autograde, hand-grade, feedback, export -------------------------
        for s, how in hows.items():
            r.expected[s] = {"auto": course.auto_expected(how), "manual": {}}
        r.expected[BLANK] = {"auto": course.auto_expected(None), "manual": {}}
        # Written answers: the instructor gives full points to a right answer of an odd-numbered
        # student and half to an even-numbered one (so that no two neighbours total the same);
        # answers left blank score 0 without hand-grading (nbgrader does that itself).
        grades = []
        for s, how in hows.items():
            k = STUDENTS.index(s) + 1
            for name in how:
                for a in course.answers(name):
                    if not a["manual"]:
                        continue
                    score = a["points"] if k % 2 else a["points"] / 2
                    grades.append({"student": s, "notebook": name, "grade_id": a["grade_id"],
                                   "score": score, "comment": f"hand-graded for {s}"})
                    r.expected[s]["manual"][name] = r.expected[s]["manual"].get(name, 0.0) + score
        teacher = start_actions(room, TEACHER, [
            {"do": "collect", "assignment": ASSIGNMENT},
            {"do": "autograde", "assignment": ASSIGNMENT, "shards": AUTOGRADE_SHARDS},
            {"do": "manual_grades", "assignment": ASSIGNMENT, "grades": grades},
            {"do": "feedback", "assignment": ASSIGNMENT},
            {"do": "export", "assignment": ASSIGNMENT}], plans, script, cwd=room.course_dir)
        start = time.perf_counter()
        recs = finish(teacher, TEACHER, timeout=1800)
        r.timings["instructor: collect + autograde + hand-grade + feedback + export"] = \
            time.perf_counter() - start
        r.results[TEACHER] += recs
        steps = {rec["do"]: rec for rec in recs}
        r.collect_log = steps["collect"]["log"]
        r.autograde_seconds = steps["autograde"]["seconds"]
        r.autograde_log = steps["autograde"]["log"]
        r.csv = list(csv.DictReader(io.StringIO(steps["export"]["csv"])))
        for name in ("collect", "autograde", "manual_grades", "feedback", "export"):
            r.timings[f"instructor: {name}"] = steps[name]["seconds"]
        r.submitted = {s: sorted(os.listdir(room.course_dir / "submitted" / s / ASSIGNMENT))
                       for s in os.listdir(room.course_dir / "submitted")}
        r.submitted_text = {s: {n: (room.course_dir / "submitted" / s / ASSIGNMENT / f"{n}.ipynb")
                                .read_text(errors="replace") for n in course.names
                                if (room.course_dir / "submitted" / s / ASSIGNMENT / f"{n}.ipynb").exists()}
                            for s in r.submitted}
        r.rejected_csv = (room.course_dir / "rejected_submissions.csv").read_text() \
            if (room.course_dir / "rejected_submissions.csv").exists() else ""
        r.gradebook = read_gradebook(room.course_dir / "gradebook.db", course.names)

        # -- every student fetches their feedback, then tries what they must not be able to do -----
        phase = time.perf_counter()
        r.inbound_before_probes = fingerprint(room.inbound)
        probes = isolation_attempts(room, course)
        second = [s for s in STUDENTS if s != BROWSER]
        for s in second:
            steps = [{"do": "fetch_feedback", "assignment": ASSIGNMENT}]
            if s in probes:
                steps.append({"do": "probe", "attempts": probes[s]})
            crowd.start(s, write_plan(room, s, steps, plans))
        with Stopwatch(r, "browser student: fetch feedback"):
            r.browser_feedback = r.browser["page_fetch_feedback"]()
        crowd.wait(second)
        for s in second:
            recs = crowd.results(s)
            r.results[s] += recs
            for rec in recs:
                if rec["do"] == "probe":
                    r.probes[s] = rec["results"]
                if rec["do"] == "fetch_feedback":
                    r.results.setdefault(s + ":feedback", []).append(rec)
        r.timings["students fetch feedback and probe (concurrently)"] = time.perf_counter() - phase
        r.timings["whole-class cycle (release to every feedback fetched)"] = time.perf_counter() - cycle
        r.hub_log = room.log(200000)
        r.inbound_after_probes = fingerprint(room.inbound)
        yield r
    finally:
        try:
            if getattr(r, "crowd", None):
                r.crowd.close()
            if getattr(r, "browser", None):
                r.browser["close"]()
        finally:
            room.remove()
            r.timings["hub test wall time (set-up to clean-up)"] = time.perf_counter() - total
            r.notes["accounts left after clean-up"] = [
                p.pw_name for p in __import__("pwd").getpwall()
                if p.pw_gecos == classroom.MARK and p.pw_name.startswith(ACCOUNT_PREFIX)]
            report(r)


def read_gradebook(db: Path, names: list[str]) -> dict:
    """``{student: {notebook: {"auto": .., "manual": .., "score": .., "max": ..}}}`` (read by root)."""
    from nbgrader.api import Gradebook, MissingEntry

    out = {}
    with Gradebook("sqlite:///" + str(db), classroom.COURSE_ID) as gb:
        for student in gb.students:
            for name in names:
                try:
                    nb = gb.find_submission_notebook(name, ASSIGNMENT, student.id)
                except MissingEntry:
                    continue
                auto = sum(g.auto_score or 0 for g in nb.grades if g.manual_score is None)
                manual = sum(g.manual_score or 0 for g in nb.grades if g.manual_score is not None)
                out.setdefault(student.id, {})[name] = {"auto": auto, "manual": manual,
                                                        "score": nb.score, "max": nb.max_score}
    return out


def fingerprint(folder: Path) -> dict:
    """Every file under ``folder`` with its owner, mode and content digest (read by root)."""
    import hashlib
    out = {}
    for dirpath, _, files in os.walk(folder):
        for f in files:
            p = Path(dirpath) / f
            st = p.lstat()
            out[str(p.relative_to(folder))] = (st.st_uid, oct(st.st_mode),
                                               hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def secret_of(folder: Path) -> str:
    return (folder / "submission_secret.txt").read_text()


def isolation_attempts(room, course) -> dict[str, list[dict]]:
    """What each probing student tries (every item of the issue), with the paths only root can see.

    ``expect`` lists the acceptable refusals (errno names); ``allowed`` marks the
    positive controls (the student's own things), so a probe that cannot fail
    is itself caught.
    """
    from nbgrader.utils import notebook_hash

    a_nb = course.names[0]
    inbound, outbound, feedback = room.inbound, room.outbound / ASSIGNMENT, room.feedback
    teacher = room.home(TEACHER)
    mine = {}
    for entry in sorted(os.listdir(inbound)):
        owner = entry.split("+")[0]
        if owner in STUDENTS and Path(inbound, entry).stat().st_uid == \
                __import__("pwd").getpwnam(owner).pw_uid:
            mine.setdefault(owner, []).append(Path(inbound, entry))
    pairs = [(PARTLY, RIGHT), (STUDENTS[8], STUDENTS[9]), (STUDENTS[-1], TWICE)]
    out = {}
    for prober, victim in pairs:
        sub = mine[victim][-1]
        own = mine[prober][-1]
        secret = secret_of(sub)
        victim_feedback = feedback / f"{notebook_hash(secret=secret, notebook_id=a_nb)}.html"
        own_feedback = feedback / f"{notebook_hash(secret=secret_of(own), notebook_id=a_nb)}.html"
        cache = room.home(victim) / ".local" / "share" / "jupyter" / "nbgrader_cache" / classroom.COURSE_ID
        tmp = inbound / f".probe-{prober}"
        deny = ["EACCES", "EPERM"]
        attempts = [
            ("list the inbound folder", "listdir", inbound, None, deny),
            ("read another's submission", "read", sub / f"{a_nb}.ipynb", None, deny),
            ("change another's submission", "append", sub / f"{a_nb}.ipynb", None, deny),
            ("add a file to another's submission", "create", sub / "extra.ipynb", None, deny),
            ("replace another's submission (rename own folder over it)", "replace_dir", sub, tmp,
             deny + ["ENOTEMPTY", "EEXIST"]),
            ("rename another's submission", "rename", sub, inbound / f"{prober}+stolen", deny),
            ("delete another's submission", "rmtree", sub, None, deny),
            ("open up another's submission (chmod)", "chmod", sub, None, deny),
            ("read another's submission secret (inbound)", "read", sub / "submission_secret.txt", None, deny),
            ("read another's submission secret (their nbgrader cache)", "listdir", cache, None, deny),
            ("list the feedback folder", "listdir", feedback, None, deny),
            ("read another's feedback, knowing its name", "read", victim_feedback, None, deny),
            ("read the instructor's home", "listdir", teacher, None, deny),
            ("read the instructor's gradebook", "read", room.course_dir / "gradebook.db", None, deny),
            ("read the instructor's source notebook", "read", room.course_dir / ASSIGNMENT / f"{a_nb}.ipynb",
             None, deny),
            ("change the released notebook", "append", outbound / f"{a_nb}.ipynb", None, deny),
            ("add a file to the released assignment", "create", outbound / "extra.ipynb", None, deny),
            ("rename the released assignment", "rename", outbound, outbound.with_name("moved"), deny),
            ("rename the course folder in the exchange root", "rename", room.course_exchange,
             room.exchange / "moved", deny),
            ("squat the course folder (create it)", "mkdir", room.course_exchange, None, deny + ["EEXIST"]),
            ("squat a folder inside the course folder", "mkdir", room.course_exchange / "inbound2", None, deny),
            ("rename the inbound folder", "rename", inbound, room.course_exchange / "inbound-moved", deny),
            ("[control] read own submission", "read", own / f"{a_nb}.ipynb", None, None),
            ("[control] read own feedback", "read", own_feedback, None, None),
            ("[control] list own home", "listdir", room.home(prober), None, None),
            ("[control] read the released notebook", "read", outbound / f"{a_nb}.ipynb", None, None),
        ]
        out[prober] = [{"check": c, "op": op, "path": str(p), "dest": str(d) if d else None,
                        "expect": e, "victim": victim} for c, op, p, d, e in attempts]
    return out


def report(r: Run) -> None:
    """Print the measurements and the tables; also write tests/artifacts/hub-report.json."""
    lines = ["", "== hub class report =="]
    for k, v in r.timings.items():
        lines.append(f"  {k}: {v:.1f} s")
    if getattr(r, "autograde_seconds", None):
        n = len(getattr(r, "submitted", {}))
        lines.append(f"  autograde throughput: {n} students in {r.autograde_seconds:.1f} s = "
                     f"{60 * n / r.autograde_seconds:.1f} students/minute on {os.cpu_count()} cores")
    for k, v in r.notes.items():
        lines.append(f"  {k}: {v}")
    rows = {row["student_id"]: row for row in getattr(r, "csv", [])}
    if rows:
        lines.append("  student          expected  exported  (auto A, auto B, hand A, hand B)")
        for s in STUDENTS:
            e = r.expected.get(s, {})
            want = sum(e.get("auto", {}).values()) + sum(e.get("manual", {}).values())
            got = rows.get(s, {}).get("score", "-")
            parts = [e.get("auto", {}).get(n, 0) for n in r.course.names] + \
                    [e.get("manual", {}).get(n, 0) for n in r.course.names]
            lines.append(f"  {s:15s} {want:9g} {got:>9s}  ({', '.join(f'{x:g}' for x in parts)})")
    for s, results in r.probes.items():
        for x in results:
            lines.append(f"  [{s} -> {x['victim']}] {x['check']}: {x['outcome']}")
    text_ = "\n".join(lines)
    print(text_)
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "hub-report.txt").write_text(text_ + "\n")
    except OSError:
        pass


# -- the tests ---------------------------------------------------------------------------------------
def test_every_submission_collected_none_lost_or_mixed_up(run):
    assert sorted(run.submitted) == sorted(STUDENTS), "collect missed or invented students"
    for s in STUDENTS:
        assert set(run.submitted[s]) >= {f"{n}.ipynb" for n in run.course.names}, (s, run.submitted[s])
        texts = run.submitted_text[s]
        others = [m for t, m in run.markers.items() if m and t != s]
        for name, body in texts.items():
            for m in others:
                assert m not in body, f"{s}/{name} holds {m!r}: submissions mixed up"
        if run.markers.get(s) and s != BROWSER:
            for name in run.course.names:
                assert run.markers[s] in texts[name], f"{s}/{name}: not the student's own work"
    assert run.markers[BROWSER] in run.submitted_text[BROWSER][run.course.names[0]]
    # every submission reached the inbound: one per student, the twice-submitter's two, the forgery
    assert len([e for e in run.inbound if "+" in e]) == N_STUDENTS + 2, run.inbound
    assert not [e for e in run.inbound if e.startswith(".")], "a staging folder was left behind"
    # everybody but the browser student (who submitted through the page), and the forgery
    assert run.notes["submissions after the gun"] == N_STUDENTS - 1 + 1
    assert run.notes["spread of the simultaneous submissions (s)"] < 60


def test_the_later_of_two_submissions_counts(run):
    assert run.markers[TWICE] in run.submitted_text[TWICE][run.course.names[0]]
    submits = [rec for rec in run.results[TWICE] if rec["do"] == "submit"]
    assert len(submits) == 2


def test_forged_submission_is_rejected_and_reported(run):
    assert f"REJECTED submission {VICTIM}+{ASSIGNMENT}+" in run.collect_log
    assert f"owned by {FORGER}, not by {VICTIM}" in run.collect_log
    rows = list(csv.DictReader(io.StringIO(run.rejected_csv)))
    assert [(row["claimed_student"], row["reason"]) for row in rows] == \
        [(VICTIM, f"owned by {FORGER}, not by {VICTIM}")]
    for name in run.course.names:
        assert "FORGED" not in run.submitted_text[VICTIM][name]
    assert run.gradebook[VICTIM] and all(v["score"] == 0 for v in run.gradebook[VICTIM].values())


def test_scores_exported_equal_the_expected_ones_exactly(run):
    rows = {row["student_id"]: row for row in run.csv}
    assert sorted(rows) == sorted(STUDENTS)
    for s in STUDENTS:
        e = run.expected[s]
        for name in run.course.names:
            got = run.gradebook[s][name]
            assert got["auto"] == e["auto"][name], (s, name, got, e)
            assert got["manual"] == e["manual"].get(name, 0.0), (s, name, got, e)
        want = sum(e["auto"].values()) + sum(e["manual"].values())
        assert float(rows[s]["score"]) == want, (s, rows[s], e)
    distinct = {float(rows[s]["score"]) for s in STUDENTS}
    assert len(distinct) >= 4, f"the class's scores do not tell the students apart: {distinct}"


def test_hostile_submissions_are_graded_and_do_not_stop_the_run(run):
    a_nb, b_nb = run.course.names
    assert run.gradebook[BROKEN][b_nb]["auto"] == run.expected[BROKEN]["auto"][b_nb]
    assert "Timeout" in run.autograde_log or "timed out" in run.autograde_log.lower()
    right = run.course.auto_expected({a_nb: {}, b_nb: {}})
    assert run.gradebook[TAMPER][a_nb]["auto"] == right[a_nb]          # the deleted test put back
    assert run.gradebook[TAMPER][b_nb]["auto"] < right[b_nb]           # the `pass` test restored


def test_every_student_fetched_their_own_feedback(run):
    for s in STUDENTS:
        if s == BROWSER:
            continue
        (rec,) = [x for x in run.results[s] if x["do"] == "fetch_feedback"]
        files = rec["feedback"]
        assert sorted(Path(f).name for f in files) == sorted(f"{n}.html" for n in run.course.names), \
            (s, sorted(files))
        for body in files.values():
            for t, m in run.markers.items():
                if m and t != s:
                    assert m not in body, f"{s} got feedback holding {t}'s work"
            assert "FORGED" not in body
        if run.markers.get(s):
            assert any(run.markers[s] in body for body in files.values()), s


def test_browser_student_did_it_all_through_the_hub(run):
    b = run.browser
    assert b["nbgrader_menu"] == ["Assignment List"], b["nbgrader_menu"]
    assert b["formgrader_status"] == 404
    assert b["validate_message"].startswith("Success"), b["validate_message"]
    assert b["submitted_rows"] >= 1
    fb = run.browser_feedback
    assert sorted(fb["files"]) == sorted(f"{n}.html" for n in run.course.names), fb
    assert run.markers[BROWSER] in fb["text"][run.course.names[0]]


def test_instructor_gets_formgrader_students_do_not(run):
    ins = run.instructor_server
    assert ins["formgrader_status"] == 200
    assert ASSIGNMENT in ins["formgrader_assignments"], ins
    assert ins["disabled_extensions"] == [], ins
    assert run.browser["disabled_extensions"] == sorted(classroom.STUDENT_PAGE_CONFIG["disabledExtensions"])


CHECKS = [
    "list the inbound folder", "read another's submission", "change another's submission",
    "add a file to another's submission", "replace another's submission (rename own folder over it)",
    "rename another's submission", "delete another's submission", "open up another's submission (chmod)",
    "read another's submission secret (inbound)", "read another's submission secret (their nbgrader cache)",
    "list the feedback folder", "read another's feedback, knowing its name", "read the instructor's home",
    "read the instructor's gradebook", "read the instructor's source notebook",
    "change the released notebook", "add a file to the released assignment",
    "rename the released assignment", "rename the course folder in the exchange root",
    "squat the course folder (create it)", "squat a folder inside the course folder",
    "rename the inbound folder", "[control] read own submission", "[control] read own feedback",
    "[control] list own home", "[control] read the released notebook"]


@pytest.mark.parametrize("check", CHECKS)
def test_students_are_kept_apart(run, check):
    assert len(run.probes) == 3
    for prober, results in run.probes.items():
        assert [x["check"] for x in results] == CHECKS
        (x,) = [x for x in results if x["check"] == check]
        if x["expect"] is None:
            assert x["outcome"] == "allowed", f"[control] {prober}: {x}"
        else:
            assert x["outcome"] in x["expect"], f"{prober} could {x['check']}: {x}"


def test_submissions_unchanged_by_the_probes(run):
    assert run.inbound_before_probes, "no submission in the inbound to check"
    assert run.inbound_after_probes == run.inbound_before_probes
    for path, (uid, mode, _) in run.inbound_before_probes.items():
        assert mode in (oct(0o100640),), (path, mode)


def test_permissions_the_setup_makes(run):
    room = run.room
    import stat
    assert stat.S_IMODE(room.exchange.stat().st_mode) == 0o1777
    assert stat.S_IMODE(room.course_exchange.stat().st_mode) == 0o755
    assert stat.S_IMODE(room.inbound.stat().st_mode) == 0o3733
    assert stat.S_IMODE(room.feedback.stat().st_mode) == 0o711
    for user in [TEACHER] + STUDENTS:
        assert stat.S_IMODE(room.home(user).stat().st_mode) == 0o700, user


def test_students_acted_as_their_own_unix_accounts(run):
    import pwd
    for s in STUDENTS:
        if s == BROWSER:
            continue
        ids = [x for x in run.results[s] if x["do"] == "identity"]
        assert len(ids) == 2, (s, ids)          # the work, and the feedback + probes
        entry = pwd.getpwnam(s)
        for x in ids:
            assert (x["uid"], x["euid"], x["gid"], x["egid"]) == (entry.pw_uid,) * 2 + (entry.pw_gid,) * 2
            assert x["groups"] == [] and x["uid"] != 0 and x["umask"] == 0o077
