"""Hostile students against the class kit's nbgrader exchange (the ``hostile`` tier).

Real Unix accounts (root on Linux only, and only when this tier runs: ``-m hostile``
or the whole suite), a small class made by ``hub/classroom.py``, nbgrader's own
fetch and submit as each student (``tests/hub_actions.py``) and nbgrader's collect
as the instructor (the class's configured ``VerifiedCollect``). No JupyterHub: the
exchange is all these attacks touch. Each test fails if its attack succeeds:

* the forged time: a late submission renamed to an earlier time with its
  ``timestamp.txt`` rewritten and its file times set back, and an on-time
  submission changed after the deadline, must both be recorded late;
* the collect stoppers: a folder whose name holds no date, and one over
  nbgrader's ``max_dir_size``, must be skipped and reported while every
  student who submitted properly is collected;
* links, fifos and bad names (a symbolic link or a fifo as the submission or
  inside it, a name with control characters or a backslash, a folder the
  instructor cannot read): skipped, reported, the others collected;
* a lease: a file its owner holds a write lease on (opening it waits 45 s
  for her); skipped and reported at once, the others collected;
* the formula name: no cell of ``rejected_submissions.csv`` can start a
  spreadsheet formula;
* the swap race: a student swaps her submission (or a notebook in it) with a
  symbolic link to the instructor's source notebooks while the instructor
  collects, :data:`RACE_ATTEMPTS` times; no collect may copy a solution.

Account names start with ``INITLAB_HUB_ACCOUNT_PREFIX`` (default ``ilhub-``) and
``x``; the accounts are removed at the end, also on failure.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from class_tier import hub_environment, load_classroom, machine_refuses, one_class_at_a_time
from course_utils.settings import setting

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.hostile

PREFIX = setting("INITLAB_HUB_ACCOUNT_PREFIX") + "x"
TEACHER = PREFIX + "t"
HONEST = [PREFIX + "h1", PREFIX + "h2", PREFIX + "h3"]
LATE = PREFIX + "late"          # submits late, then makes it look on time
EDITOR = PREFIX + "edit"        # submits on time, then changes it after the deadline
MALLORY = PREFIX + "m"          # plants the stoppers, the bad names and runs the swap race
STUDENTS = HONEST + [LATE, EDITOR, MALLORY]
ASSIGNMENT = "notebooks"
#: Collect attempts in the swap race. A hole that opens once in 15 collects (the rate the
#: issue measured against the old check-then-copy) stays hidden through all of them with
#: probability (14/15)**90 = 0.2 %.
RACE_ATTEMPTS = setting("INITLAB_HOSTILE_RACE_ATTEMPTS")
MAX_DIR_KB = 2000               # the class's nbgrader max_dir_size, so "oversized" costs 3 MB
SOLUTION_MARK = b"BEGIN SOLUTION"
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def why_skip() -> str | None:
    if (reason := machine_refuses("hostile", ("useradd", "userdel", "npm"), PREFIX,
                                  "INITLAB_HUB_ACCOUNT_PREFIX")):
        return reason
    if RACE_ATTEMPTS < 1:
        return "INITLAB_HOSTILE_RACE_ATTEMPTS must be at least 1"
    return None


if why_skip():
    pytest.skip(why_skip(), allow_module_level=True)

classroom = load_classroom(ROOT)


# -- what the attacking student runs (as her own account; standard library only) -------------------
ATTACKER = r'''
import json, os, sys, time

def publish(path):
    """Open a folder to the instructor's group, as a real submission is (0750 / 0640)."""
    for dirpath, dirs, files in os.walk(path):
        os.chmod(dirpath, 0o750)
        for f in files:
            os.chmod(os.path.join(dirpath, f), 0o640)

def plant(inbound, name, files=None, fifos=(), links=None, mode=None):
    """A folder ``name`` in inbound: files {name: text or size}, fifos and links inside."""
    staging = os.path.join(inbound, ".plant-%d" % os.getpid())
    os.mkdir(staging)
    for f, body in (files or {}).items():
        with open(os.path.join(staging, f), "wb") as fh:
            fh.write(b"\0" * body if isinstance(body, int) else body.encode())
    publish(staging)
    for f in fifos:
        os.mkfifo(os.path.join(staging, f), 0o640)
    for f, target in (links or {}).items():
        os.symlink(target, os.path.join(staging, f))
    if mode is not None:
        os.chmod(staging, mode)
    os.rename(staging, os.path.join(inbound, name))
    return {"planted": name}

def plant_fifo(inbound, name):
    os.mkfifo(os.path.join(inbound, name), 0o640)
    return {"planted": name}

def plant_link(inbound, name, target):
    os.symlink(target, os.path.join(inbound, name))
    return {"planted": name}

def backdate(inbound, late, new_name, claimed, epoch, drop=()):
    """Rename the late submission to an earlier time, rewrite timestamp.txt, set file times back."""
    for old in drop:                       # her own on-time submission, so the forged one is the latest
        top = os.path.join(inbound, old)
        for dirpath, dirs, files in os.walk(top, topdown=False):
            for f in files:
                os.unlink(os.path.join(dirpath, f))
            os.rmdir(dirpath)
    new = os.path.join(inbound, new_name)
    os.rename(os.path.join(inbound, late), new)
    with open(os.path.join(new, "timestamp.txt"), "w") as fh:
        fh.write(claimed)
    for dirpath, dirs, files in os.walk(new):
        for f in files:
            os.utime(os.path.join(dirpath, f), (epoch, epoch))
        os.utime(dirpath, (epoch, epoch))
    return {"renamed_to": new_name}

def edit_after(inbound, name):
    """Change a notebook of an on-time submission, then put its times back."""
    folder = os.path.join(inbound, name)
    nb = sorted(f for f in os.listdir(folder) if f.endswith(".ipynb"))[0]
    path = os.path.join(folder, nb)
    st = os.stat(path)
    with open(path, "a") as fh:
        fh.write("\n")                     # still valid JSON; a real edit would change an answer
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    dst = os.stat(folder)
    os.utime(folder, ns=(dst.st_atime_ns, dst.st_mtime_ns))
    return {"edited": nb}

def hold_lease(inbound, name):
    """Plant a folder, then hold a write lease on its notebook: whoever opens it waits
    (``/proc/sys/fs/lease-break-time``, 45 s by default) unless it opens without blocking."""
    import fcntl, signal
    signal.signal(signal.SIGIO, signal.SIG_IGN)   # the lease-break signal would end her, and the lease
    plant(inbound, name, files={"x.ipynb": "{}"})
    fd = os.open(os.path.join(inbound, name, "x.ipynb"), os.O_RDWR)
    fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
    print(json.dumps({"leased": name}), flush=True)
    sys.stdin.readline()                   # held until the test closes stdin
    return {"released": name}

def swap(inbound, name, target_dir, inner, target_file, seconds, hold):
    """Until ``seconds`` pass: swap the folder, then one notebook in it, with a link and back."""
    top = os.path.join(inbound, name)
    hidden = os.path.join(inbound, "." + name + ".real")
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        if n % 2 == 0:
            os.rename(top, hidden)
            os.symlink(target_dir, top)
            time.sleep(hold)
            os.unlink(top)
            os.rename(hidden, top)
        else:
            f = os.path.join(top, inner)
            real = os.path.join(top, "." + inner + ".real")
            os.rename(f, real)
            os.symlink(target_file, f)
            time.sleep(hold)
            os.unlink(f)
            os.rename(real, f)
        time.sleep(hold)
        n += 1
    return {"swaps": n}

print(json.dumps(globals()[sys.argv[1]](**json.loads(sys.argv[2]))), flush=True)
'''

# -- what the instructor runs: nbgrader's collect, through its API, as often as asked --------------
INSTRUCTOR = r'''
import hashlib, json, os, shutil, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
import hub_actions

course = os.getcwd()
assignment = sys.argv[1]

def collect(student):
    a = hub_actions.api(course, **{"CourseDirectory.student_id": student or "*"})
    with hub_actions.chdir(course):
        result = a.collect(assignment, update=True)
    return {"success": bool(result.get("success")), "log": result.get("log", ""),
            "error": result.get("error", "")[-3000:]}

def leaked(folder, sources):
    """Files of a collected folder that hold a solution or equal an instructor's source file."""
    out = []
    for dirpath, dirs, files in os.walk(folder):
        for f in files:
            with open(os.path.join(dirpath, f), "rb") as fh:
                body = fh.read()
            if b"BEGIN SOLUTION" in body or hashlib.sha256(body).hexdigest() in sources:
                out.append(os.path.relpath(os.path.join(dirpath, f), folder))
    return out

def do(cmd):
    if cmd["cmd"] == "release":
        hub_actions.do_generate_release({"assignment": assignment}, course)
        return {}
    if cmd["cmd"] == "duedate":
        from nbgrader.api import Gradebook
        config = hub_actions.load_config(course)
        from nbgrader.coursedir import CourseDirectory
        with hub_actions.chdir(course):
            cd = CourseDirectory(config=config)
        with Gradebook(cd.db_url, cd.course_id) as gb:
            from nbgrader.utils import parse_utc
            gb.update_or_create_assignment(assignment, duedate=parse_utc(cmd["duedate"]))
        return {}
    if cmd["cmd"] == "collect":
        shutil.rmtree(os.path.join(course, "submitted"), ignore_errors=True)
        return collect(cmd.get("student"))
    if cmd["cmd"] == "race":
        sources = set()
        for f in os.listdir(os.path.join(course, assignment)):
            with open(os.path.join(course, assignment, f), "rb") as fh:
                sources.add(hashlib.sha256(fh.read()).hexdigest())
        mine = os.path.join(course, "submitted", cmd["student"], assignment)
        attempts = []
        for i in range(cmd["n"]):
            shutil.rmtree(os.path.join(course, "submitted"), ignore_errors=True)
            r = collect(cmd["student"])
            attempts.append({"success": r["success"], "collected": os.path.isdir(mine),
                             "rejected": "REJECTED" in r["log"],
                             "leaked": leaked(mine, sources) if os.path.isdir(mine) else [],
                             "error": r["error"][-500:]})
        return {"attempts": attempts}
    raise ValueError(cmd)

for line in sys.stdin:
    cmd = json.loads(line)
    try:
        out = dict(do(cmd), ok=True)
    except Exception as e:
        import traceback
        out = {"ok": False, "error": traceback.format_exc()[-3000:]}
    print(json.dumps(out), flush=True)
'''


def now_stamp(at: datetime.datetime | None = None) -> str:
    """A timestamp as nbgrader's submit writes it (its default format, UTC)."""
    at = at or datetime.datetime.now(datetime.timezone.utc)
    return at.strftime("%Y-%m-%d %H:%M:%S.%f %Z")


def parse_stamp(text: str) -> datetime.datetime:
    from nbgrader.utils import parse_utc
    return parse_utc(text.strip())


class Class:
    """The class, the instructor's collect process and what each student can do."""

    def __init__(self, room, bindir: Path):
        self.room = room
        self.bindir = bindir
        self.teacher = room.popen_as(TEACHER, [room.python, bindir / "instructor.py", ASSIGNMENT],
                                     cwd=room.course_dir, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def instructor(self, **cmd) -> dict:
        """One command to the instructor's process; its JSON answer."""
        self.teacher.stdin.write(json.dumps(cmd) + "\n")
        self.teacher.stdin.flush()
        while True:
            line = self.teacher.stdout.readline()
            assert line, f"the instructor's process ended: {self.teacher.wait()}"
            if line.startswith("{"):
                out = json.loads(line)
                assert out["ok"], out["error"]
                return out

    def attack(self, student: str, op: str, **args) -> dict:
        done = self.room.run_as(student, [self.room.python, "-I", "-c", ATTACKER, op, json.dumps(args)],
                                timeout=300)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def submit(self, students: list[str], fetch: bool = True) -> None:
        """Each student (side by side) fetches, if asked, and submits with nbgrader's own API."""
        procs = {}
        for s in students:
            steps = ([{"do": "fetch", "assignment": ASSIGNMENT}] if fetch else []) + \
                [{"do": "submit", "assignment": ASSIGNMENT}]
            plan = self.room.class_dir / "plans" / f"{s}-{time.monotonic_ns()}.json"
            plan.write_text(json.dumps({"steps": steps}))
            shutil.chown(plan, s, s)
            os.chmod(plan, 0o600)
            procs[s] = self.room.popen_as(s, [self.room.python, self.bindir / "hub_actions.py", plan],
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for s, p in procs.items():
            out, _ = p.communicate(timeout=600)
            assert p.returncode == 0, f"{s} could not submit:\n{out[-4000:]}"

    def entries(self, student: str) -> list[str]:
        """The student's folders in inbound, oldest first (by the time in their names)."""
        own = [e for e in os.listdir(self.room.inbound) if e.startswith(student + "+")]
        return sorted(own, key=lambda e: parse_stamp(e.split("+")[2]))

    def submitted(self, student: str) -> Path:
        return self.room.course_dir / "submitted" / student / ASSIGNMENT

    def rejected_rows(self) -> list[list[str]]:
        path = self.room.course_dir / "rejected_submissions.csv"
        if not path.exists():
            return []
        with open(path, newline="", encoding="utf-8", errors="surrogateescape") as fh:
            return list(csv.reader(fh))

    def scenario(self, plant) -> dict:
        """Plant entries (``plant()`` returns their names), collect the class, record, remove them."""
        before = set(os.listdir(self.room.inbound))
        (self.room.course_dir / "rejected_submissions.csv").unlink(missing_ok=True)
        planted = plant()
        start = time.perf_counter()
        result = self.instructor(cmd="collect")
        result["seconds"] = time.perf_counter() - start
        result["planted"] = planted
        result["rows"] = self.rejected_rows()
        result["collected"] = {s: secret(self.submitted(s)) for s in STUDENTS}
        for name in set(os.listdir(self.room.inbound)) - before:
            path = self.room.inbound / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        return result

    def close(self) -> None:
        if self.teacher.poll() is None:
            self.teacher.stdin.close()
            try:
                self.teacher.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.teacher.kill()


def secret(folder: Path) -> str | None:
    """The submission secret of a collected (or inbound) folder: which submission it was."""
    try:
        return (folder / "submission_secret.txt").read_text()
    except OSError:
        return None


@pytest.fixture(scope="module")
def hostile():
    # One class per account prefix at a time (tests/test_hub.py takes the same lock).
    with one_class_at_a_time(setting("INITLAB_HUB_ACCOUNT_PREFIX")):
        yield from _hostile()


def _hostile():
    total = time.perf_counter()
    prefix = hub_environment(ROOT)
    setup_seconds = time.perf_counter() - total
    classroom.remove_leftovers(prefix=PREFIX)
    notebook = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))[1]
    class_dir = Path(tempfile.mkdtemp(prefix="initlab-hostile-"))
    shutil.rmtree(class_dir)
    room = classroom.Classroom(prefix, class_dir, TEACHER, STUDENTS, [notebook],
                               course_overrides=f"c.CourseDirectory.max_dir_size = {MAX_DIR_KB}\n")
    k = None
    r = {"timings": {"hub environment (tasks.py hub --setup-only)": setup_seconds}}
    try:
        start = time.perf_counter()
        room.create()
        bindir = class_dir / "bin"
        bindir.mkdir(mode=0o755)
        os.chmod(bindir, 0o755)
        for name, body in (("hub_actions.py", (ROOT / "tests" / "hub_actions.py").read_text()),
                           ("instructor.py", INSTRUCTOR)):
            (bindir / name).write_text(body)
            os.chmod(bindir / name, 0o644)
        (class_dir / "plans").mkdir(mode=0o711)
        os.chmod(class_dir / "plans", 0o711)
        k = Class(room, bindir)
        r["room"], r["class"] = room, k
        k.instructor(cmd="release")
        r["timings"]["accounts, class and release"] = time.perf_counter() - start
        source = room.course_dir / ASSIGNMENT / notebook.name
        assert SOLUTION_MARK in source.read_bytes(), "the source notebook holds no solution to leak"

        # -- everybody submits on time; then the deadline passes --------------------------------------
        start = time.perf_counter()
        k.submit(STUDENTS)
        due = datetime.datetime.now(datetime.timezone.utc)
        k.instructor(cmd="duedate", duedate=now_stamp(due))
        r["due"] = due.replace(tzinfo=None)
        time.sleep(1.5)
        r["timings"]["fetch and submit, 6 students"] = time.perf_counter() - start
        r["proper"] = {s: secret(room.inbound / k.entries(s)[-1]) for s in STUDENTS}

        # -- the forged time: a late submission made to look on time; an on-time one changed late -------
        start = time.perf_counter()
        on_time = k.entries(LATE)[-1]
        k.submit([LATE], fetch=False)
        late = k.entries(LATE)[-1]
        r["late_secret"] = secret(room.inbound / late)
        early = due - datetime.timedelta(minutes=10)
        forged_name = "+".join(late.split("+")[:2] + [now_stamp(early), late.split("+")[3]])
        k.attack(LATE, "backdate", inbound=str(room.inbound), late=late, new_name=forged_name,
                 claimed=now_stamp(early), epoch=early.timestamp(), drop=[on_time])
        k.attack(EDITOR, "edit_after", inbound=str(room.inbound), name=k.entries(EDITOR)[-1])
        r["forged_time"] = k.scenario(lambda: [])
        r["recorded"] = {s: parse_stamp((k.submitted(s) / "timestamp.txt").read_text())
                         if (k.submitted(s) / "timestamp.txt").exists() else None for s in STUDENTS}
        r["proper"][LATE] = r["late_secret"]
        r["timings"]["forged time"] = time.perf_counter() - start
        inbound = str(room.inbound)

        def name(tag, student=MALLORY):
            return f"{student}+{ASSIGNMENT}+{now_stamp()}+{tag}"

        # -- the collect stoppers ---------------------------------------------------------------------
        nb = {"x.ipynb": "{}"}
        r["unparseable"] = k.scenario(lambda: [k.attack(MALLORY, "plant", inbound=inbound, files=nb,
                                                        name=f"{MALLORY}+{ASSIGNMENT}+not-a-date")["planted"]])
        r["oversized"] = k.scenario(lambda: [k.attack(
            MALLORY, "plant", inbound=inbound, name=name("big"),
            files={f"big{i}.bin": MAX_DIR_KB * 1000 // 2 for i in range(3)})["planted"]])

        # -- links, fifos, bad names ------------------------------------------------------------------
        def bad_entries():
            out = [k.attack(MALLORY, "plant_link", inbound=inbound, name=name("link"),
                            target=str(room.course_dir / ASSIGNMENT))["planted"],
                   k.attack(MALLORY, "plant_fifo", inbound=inbound, name=name("fifo"))["planted"],
                   k.attack(MALLORY, "plant", inbound=inbound, name=name("innerfifo"), files=nb,
                            fifos=["y.ipynb"])["planted"],
                   k.attack(MALLORY, "plant", inbound=inbound, name=name("innerlink"), files=nb,
                            links={notebook.name: str(source)})["planted"],
                   k.attack(MALLORY, "plant", inbound=inbound, name=name("closed"), files=nb,
                            mode=0o700)["planted"]]
            for tag in ("new\nline", "esc\x1b[2Jcleared", "back\\slash", "carriage\rreturn", "del\x7f"):
                out.append(k.attack(MALLORY, "plant", inbound=inbound, name=name(tag), files=nb)["planted"])
            return out
        r["bad"] = k.scenario(bad_entries)

        # -- a lease: a file whose opening waits until its owner lets go --------------------------------
        holder = {}

        def lease():
            holder["p"] = room.popen_as(MALLORY, [room.python, "-I", "-c", ATTACKER, "hold_lease", json.dumps(
                dict(inbound=inbound, name=name("lease")))], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True)
            line = holder["p"].stdout.readline()
            assert line.startswith("{"), line + holder["p"].stdout.read()
            return [json.loads(line)["leased"]]
        try:
            r["lease"] = k.scenario(lease)
        finally:
            if "p" in holder:
                holder["p"].kill()
                holder["p"].wait()

        # -- the formula names ------------------------------------------------------------------------
        def formulas():
            out = []
            for lead in CSV_TRIGGERS:
                out.append(k.attack(MALLORY, "plant", inbound=inbound, files=nb,
                                    name=f"{lead}HYPERLINK(\"http:evil\";\"x\")+{ASSIGNMENT}+{now_stamp()}+f")["planted"])
            out.append(k.attack(MALLORY, "plant", inbound=inbound, name=name("innerformula"), files=nb,
                                links={"=cmd|' -C calc'!A0": str(source)})["planted"])
            return out
        r["formula"] = k.scenario(formulas)

        # -- the swap race ----------------------------------------------------------------------------
        start = time.perf_counter()
        target = k.entries(MALLORY)[-1]
        inner = sorted(f for f in os.listdir(room.inbound / target) if f.endswith(".ipynb"))[0]
        swapper = room.popen_as(MALLORY, [room.python, "-I", "-c", ATTACKER, "swap", json.dumps(dict(
            inbound=inbound, name=target, target_dir=str(room.course_dir / ASSIGNMENT), inner=inner,
            target_file=str(source), seconds=3600, hold=0.002))],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            time.sleep(0.2)
            r["race"] = k.instructor(cmd="race", n=RACE_ATTEMPTS, student=MALLORY)["attempts"]
        finally:
            swapper.kill()
            swapper.wait()
        r["timings"][f"swap race ({RACE_ATTEMPTS} collects)"] = time.perf_counter() - start
        yield r
    finally:
        try:
            if k is not None:
                k.close()
        finally:
            room.remove()
            r["timings"]["hostile tier wall time (set-up to clean-up)"] = time.perf_counter() - total
            report(r, [p.pw_name for p in pwd.getpwall() if p.pw_name.startswith(PREFIX)])


def report(r: dict, left: list[str]) -> None:
    """Print what each attack met and the timings; also write tests/artifacts/hostile-report.txt."""
    lines = ["", "== hostile exchange report =="]
    lines += [f"  {key}: {value:.1f} s" for key, value in r["timings"].items()]
    lines.append(f"  accounts left after clean-up: {left}")
    if "recorded" in r:
        lines.append(f"  due {r['due']} UTC; recorded: " + ", ".join(
            f"{s} {t}" for s, t in r["recorded"].items()))
    for scenario in ["forged_time"] + SCENARIOS:
        if scenario in r:
            x = r[scenario]
            lines.append(f"  [{scenario}] collect finished: {x['success']} in {x['seconds']:.1f} s; "
                         f"{len(x['rows'][1:])} rejected")
            lines += [f"    csv: {row[2:]}" for row in x["rows"][1:]]
            lines += [f"    log: {line}" for line in x["log"].splitlines() if "WARNING" in line]
    if "race" in r:
        race = r["race"]
        lines.append(f"  swap race: {len(race)} collects, {sum(bool(a['leaked']) for a in race)} leaked, "
                     f"{sum(a['rejected'] for a in race)} saw the link and rejected it, "
                     f"{sum(a['collected'] and not a['leaked'] for a in race)} collected her real folder")
    text = "\n".join(lines)
    print(text)
    try:
        (ROOT / "tests" / "artifacts").mkdir(parents=True, exist_ok=True)
        (ROOT / "tests" / "artifacts" / "hostile-report.txt").write_text(text + "\n")
    except OSError:
        pass


# -- helpers for the assertions ---------------------------------------------------------------------
def collected_properly(result: dict, proper: dict) -> list[str]:
    """The students whose proper submission was NOT what collect took."""
    return [s for s in STUDENTS if result["collected"][s] != proper[s]]


def reported(result: dict, entry: str) -> bool:
    """Whether the planted ``entry`` is a row of rejected_submissions.csv, found by the plain
    text of its time part (unique per entry; the rest may be escaped in the report)."""
    key = entry.rsplit("+", 3)[2]
    return any(len(row) > 3 and key in row[3] for row in result["rows"][1:])


# -- the tests ------------------------------------------------------------------------------------
def test_forged_time_is_recorded_late(hostile):
    r = hostile["forged_time"]
    assert r["success"], r["error"]
    assert hostile["recorded"][LATE] is not None, "the late student's submission was not collected"
    assert r["collected"][LATE] == hostile["late_secret"], "not the late submission that was collected"
    assert hostile["recorded"][LATE] > hostile["due"], \
        f"late submission recorded on time: {hostile['recorded'][LATE]} <= due {hostile['due']}"


def test_submission_changed_after_the_deadline_is_recorded_at_its_change(hostile):
    assert hostile["recorded"][EDITOR] is not None
    assert hostile["recorded"][EDITOR] > hostile["due"], \
        f"changed after the deadline, recorded at {hostile['recorded'][EDITOR]} <= due {hostile['due']}"


def test_honest_on_time_submissions_stay_on_time(hostile):
    """The control: the trusted time does not make everybody late."""
    for s in HONEST + [MALLORY]:
        assert hostile["recorded"][s] is not None, s
        assert hostile["recorded"][s] <= hostile["due"], (s, hostile["recorded"][s], hostile["due"])
        assert hostile["due"] - hostile["recorded"][s] < datetime.timedelta(minutes=5), s


SCENARIOS = ["unparseable", "oversized", "bad", "lease", "formula"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_collect_finishes_and_takes_every_proper_submission(hostile, scenario):
    r = hostile[scenario]
    assert r["success"], f"collect stopped:\n{r['error']}\n{r['log'][-3000:]}"
    assert r["seconds"] < 20, f"collect took {r['seconds']:.0f} s: something made it wait"
    missing = collected_properly(r, hostile["proper"])
    assert not missing, f"not collected (or not their proper submission): {missing}\n{r['log'][-3000:]}"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_planted_entry_is_reported(hostile, scenario):
    r = hostile[scenario]
    assert r["planted"], "nothing was planted"
    for entry in r["planted"]:
        assert reported(r, entry), f"{entry!r} is not in rejected_submissions.csv: {r['rows']}"
    assert r["log"].count("REJECTED") >= len(r["planted"]), r["log"][-3000:]
    for line in r["log"].splitlines():
        assert "\x1b" not in line and "\r" not in line, f"a raw control character in the log: {line!r}"


def test_rejected_csv_cannot_start_a_formula(hostile):
    rows = hostile["formula"]["rows"]
    assert len(rows) >= 1 + len(CSV_TRIGGERS) + 1, rows
    for row in rows + hostile["bad"]["rows"]:
        for cell in row:
            assert not cell.lstrip(" ").startswith(CSV_TRIGGERS), f"formula cell {cell!r} in {row}"
            assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in cell), f"control character in {cell!r}"


def test_swap_race_never_copies_a_solution(hostile):
    race = hostile["race"]
    assert len(race) == RACE_ATTEMPTS
    leaks = [(i, a["leaked"]) for i, a in enumerate(race) if a["leaked"]]
    assert not leaks, f"{len(leaks)} of {len(race)} collects copied the instructor's files: {leaks[:5]}"
    for a in race:
        assert a["success"], a["error"]


def test_swap_race_really_raced(hostile):
    """The control: the swaps met the collects both ways, so the race test could have failed."""
    race = hostile["race"]
    assert sum(a["rejected"] for a in race) >= 3, "collect never saw the swapped link"
    assert sum(a["collected"] for a in race) >= 3, "collect never saw the real folder"
