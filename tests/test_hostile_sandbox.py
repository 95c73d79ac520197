"""A hostile student's notebook, autograded through nbgrader in the sandbox (hub/initlab_sandbox.py).

The hostile tier (``-m hostile``). It needs root on Linux (it creates Unix accounts: an
instructor, the attacker, a victim and the sandbox's account, all removed at the end, also on
failure), bubblewrap, sudo and setfacl, and the class's shared environment
(``python3 tasks.py hub --setup-only``, as the hub tier).

The class is made by hub/classroom.py (homes 0700, the instructor's course folder, the per-role
nbgrader configuration with the sandbox, the one sudo rule). Its assignment has two small
notebooks written here: ``escape`` (one answer, one test with a hidden part) and ``limits``.
The victim answers right; the attacker answers wrong and puts the attack of issue 25 in its
answer cells; two more hostile students attack the limits:

* find: read the source notebook (solutions, hidden tests), the victim's submission, the
  gradebook, the instructor's home, and copy the source to world-writable folders;
* plant: an IPython start-up file in the instructor's home (it would run in every later
  kernel of the instructor), files in /tmp, /var/tmp and /dev/shm;
* stay: a daemon (new session, outlives the kernel) that keeps setting the attacker's
  manual scores to 99 and the victim's to 0 in the gradebook;
* network: a TCP connection to a port listening on the host's 127.0.0.1;
* limits (the "hog"): a 4 GiB mapping (memory), a 100 MB file (file size), 20 MB of output;
  (the "spinner"): a thread that burns CPU while the cells sleep, past the CPU limit.

Autograded as the instructor with the sandbox, every attack must fail and leave nothing;
then the same notebook is autograded with the sandbox off (the documented opt-out), and
every attack must succeed there, so that none of the sandboxed checks is one that cannot fail.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from class_tier import hub_environment, load_classroom, machine_refuses, one_class_at_a_time
from course_utils.settings import setting

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.hostile

# Account names: PREFIX + teacher/attacker/victim/grader; another prefix keeps two runs apart.
PREFIX = setting("INITLAB_HOSTILE_ACCOUNT_PREFIX")
TEACHER, ATTACKER, HOG, SPINNER, VICTIM, GRADER = (
    f"{PREFIX}{n}" for n in ("teacher", "attacker", "hog", "spinner", "victim", "grader"))
# nbgrader drops a student's whole autograded assignment when one notebook fails (a dead or
# stuck kernel): the attacks that make a notebook fail have students of their own.
HOSTILE = [ATTACKER, HOG, SPINNER]
ASSIGNMENT = "notebooks"
TAG = f"initlab-hostile-{os.getpid()}"        # every file the attack makes carries it
CELL_TIMEOUT = 10
CPU_LIMIT = 8            # s of CPU per kernel in this run (production: 900)
WALL_LIMIT = 90          # s per kernel in this run (production: 3600)
DAEMON_PERIOD = 1.0      # s between the daemon's rewrites of the gradebook
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm")


def why_skip() -> str | None:
    return machine_refuses("hostile", ("useradd", "userdel", "npm", "bwrap", "sudo", "setfacl", "visudo"),
                           PREFIX, "INITLAB_HOSTILE_ACCOUNT_PREFIX")


if why_skip():
    pytest.skip(why_skip(), allow_module_level=True)

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader", reason="nbgrader is missing: pip install -r requirements-instructor.txt")

classroom = load_classroom(ROOT)


# -- the assignment -----------------------------------------------------------------------------------
def cell(kind: str, source: str, **grading):
    """A notebook cell with nbgrader metadata (``grade_id``, ``solution``, ``grade``, ``points``)."""
    from nbformat.v4 import new_code_cell
    c = new_code_cell(source)
    if grading:
        meta = {"schema_version": 3, "grade": False, "solution": False, "locked": False, "task": False}
        meta.update(grading)
        meta["locked"] = not meta["solution"]
        c.metadata["nbgrader"] = meta
    return c


def notebook(cells):
    from nbformat.v4 import new_notebook
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


SECRET = "HIDDEN-TEST-SECRET-7f3a"


def handed_over(test_cell, *answers):
    """``test_cell`` as the executed source stores it: the reference's answers in its outputs.

    The verdict (course_utils.grading, nbgrader_config.py's CheckAnswers) compares the student's
    answers with these, outside the kernel.
    """
    from nbformat.v4 import new_output
    from course_utils.grading import MIME
    test_cell.outputs = [new_output("display_data", data={
        MIME: {"key": key, "value": value, "rtol": 0.0, "atol": 0.0},
        "text/plain": f"answer {key!r} recorded"}) for key, value in answers]
    return test_cell


def source_notebooks() -> dict:
    """The instructor's source of the two notebooks (executed: the test cells hold the answers)."""
    submit = "from course_utils.grading import submit\n"
    escape = notebook([
        cell("code", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
             grade_id="answer", solution=True),
        handed_over(cell("code", f"{submit}assert double(2) == 4\nsubmit('double(2)', double(2))\n"
                                 f"### BEGIN HIDDEN TESTS\nsubmit('double(5)', double(5))  # {SECRET}\n"
                                 "### END HIDDEN TESTS",
                         grade_id="test_answer", grade=True, points=2),
                    ("double(2)", 4), ("double(5)", 10)),
    ])
    limits = notebook([cell("code", f"### BEGIN SOLUTION\nanswer_{i} = {i}\n### END SOLUTION",
                            grade_id=f"answer_{i}", solution=True) for i in range(4)]
                      + [handed_over(cell("code", f"{submit}submit('answer_0', answer_0)",
                                          grade_id="test_limits", grade=True, points=1),
                                     ("answer_0", 0))])
    return {"escape": escape, "limits": limits}


ATTACK = r'''
import json, os, shutil, socket, subprocess, sys
T, C, H, V, PORT = {tag!r}, {course!r}, {home!r}, {victim!r}, {port}
R = {{}}
def attempt(name, fn):
    try:
        R[name] = "ok: " + str(fn())[:120]
    except BaseException as e:
        R[name] = "refused: " + type(e).__name__
def everywhere(fn):
    done = [d for d in {world!r} if fn(d)]
    if not done:
        raise PermissionError("nowhere")
    return done
def quietly(fn):
    try:
        fn()
        return True
    except OSError:
        return False
attempt("read the source notebook (solutions, hidden tests)",
        lambda: "{secret}" in open(C + "/notebooks/escape.ipynb").read() or 1 / 0)
attempt("read another student's submission", lambda: open(f"{{C}}/submitted/{{V}}/notebooks/escape.ipynb").read()[:20])
attempt("read the gradebook", lambda: open(C + "/gradebook.db", "rb").read(16))
attempt("list the instructor's home", lambda: os.listdir(H))
attempt("copy the source notebook to a world-writable folder",
        lambda: everywhere(lambda d: quietly(lambda: shutil.copy(C + "/notebooks/escape.ipynb", f"{{d}}/{{T}}-loot.ipynb"))))
def plant_startup():
    folder = H + "/.ipython/profile_default/startup"
    os.makedirs(folder, exist_ok=True)
    with open(f"{{folder}}/00-{{T}}.py", "w") as fh:
        fh.write(f"open('/tmp/{{T}}-startup-ran', 'w').close()\n")
    return folder
attempt("plant code in the instructor's IPython start-up folder", plant_startup)
attempt("plant a file in a world-writable folder",
        lambda: everywhere(lambda d: quietly(lambda: open(f"{{d}}/{{T}}-planted", "w").close())))
DAEMON = """
import os, sqlite3, time
T, C, V, A = {tag!r}, {course!r}, {victim!r}, {attacker!r}
for d in {world!r}:
    try:
        open(f"{{d}}/{{T}}-daemon.pid", "w").write(str(os.getpid()))
    except OSError:
        pass
ids = "SELECT sn.id FROM submitted_notebook sn JOIN submitted_assignment sa ON sn.assignment_id = sa.id WHERE sa.student_id = ?"
for _ in range(int(120 / {period})):
    time.sleep({period})
    for d in {world!r}:
        try:
            open(f"{{d}}/{{T}}-daemon-alive", "w").write(str(os.getpid()))
        except OSError:
            pass
    try:
        db = sqlite3.connect(C + "/gradebook.db", timeout=1)
        db.execute(f"UPDATE grade SET manual_score = 99 WHERE notebook_id IN ({{ids}})", (A,))
        db.execute(f"UPDATE grade SET manual_score = 0 WHERE notebook_id IN ({{ids}})", (V,))
        db.commit(); db.close()
    except Exception:
        pass
"""
attempt("start a process that outlives autograde",
        lambda: subprocess.Popen([sys.executable, "-c", DAEMON], start_new_session=True,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL).pid)
def connect():
    with socket.create_connection(("127.0.0.1", PORT), timeout=3) as s:
        s.sendall(T.encode())
    return PORT
attempt("connect to a port listening on the host's 127.0.0.1", connect)
def rewrite_grades():
    import sqlite3
    db = sqlite3.connect(C + "/gradebook.db", timeout=1)
    db.execute("UPDATE grade SET manual_score = 0")
    db.commit()
attempt("rewrite the gradebook directly", rewrite_grades)
print("HOSTILE-REPORT " + json.dumps(R))
# What the sandbox allows: the cells that run after this one (the tests, hidden part included)
# are seen by the student's code in the same kernel, and can be printed into its output.
get_ipython().events.register("pre_run_cell", lambda info: print("SEEN-CELL", info.raw_cell))
def double(x):
    return 0
'''

HOG_ATTACKS = [
    # memory: a 4 GiB mapping (not touched, so that the run without the sandbox costs no RAM)
    "import mmap, resource\nprint('AS-LIMIT', resource.getrlimit(resource.RLIMIT_AS)[0])\n"
    "try:\n    m = mmap.mmap(-1, 4 * 1024 ** 3)\n    print('MEM-GRANTED')\n    m.close()\n"
    "except (OSError, MemoryError) as e:\n    print('MEM-REFUSED', type(e).__name__)",
    # file size: 100 MB into /tmp
    "try:\n    with open('/tmp/{tag}-big', 'wb') as fh:\n        fh.write(b'0' * (100 * 1024 ** 2))\n"
    "    print('FSIZE-WROTE')\nexcept OSError as e:\n    print('FSIZE-REFUSED', e.errno)",
    # output: 20 MB in one line (nbgrader's LimitOutput counts lines, not bytes), then, past the
    # limit, 30 MB of small results (each one kept would grow nbgrader and the notebook)
    "print('o' * 20_000_000)\nip = get_ipython()\nfor i in range(3000):\n    ip.displayhook('y' * 9990)",
    "answer_3 = 3",
]
# CPU: a thread burns CPU while the cells sleep (each under the cell timeout), past the CPU limit.
SPINNER_ATTACKS = [
    "import threading\ndef spin():\n    while True:\n        pass\n"
    "threading.Thread(target=spin, daemon=True).start()\nprint('SPIN-STARTED')",
] + [f"import time\ntime.sleep({CELL_TIMEOUT - 2})\nprint('SPIN-SURVIVED-{i}')" for i in range(1, 4)]


def submission(release: Path, answers: dict[str, dict[str, str]]) -> dict:
    """The student edition with ``answers[notebook][grade_id]`` as the answer cells' sources."""
    out = {}
    for name in ("escape", "limits"):
        nb = nbformat.read(release / f"{name}.ipynb", as_version=4)
        for c in nb.cells:
            gid = c.metadata.get("nbgrader", {}).get("grade_id")
            if gid in answers.get(name, {}):
                c.source = answers[name][gid]
        out[name] = nb
    return out


# -- evidence ----------------------------------------------------------------------------------------
class Listener:
    """A TCP server on the host's 127.0.0.1 that records what connects."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(200))
                except OSError:
                    self.received.append(b"")

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        self.sock.close()


def tagged_files(room) -> list[str]:
    """Every file carrying the attack's tag in the world-writable folders or the instructor's home."""
    found = []
    for top in list(WORLD_WRITABLE) + [str(room.home(TEACHER))]:
        for dirpath, _, files in os.walk(top):
            found += [os.path.join(dirpath, f) for f in files if TAG in f]
    return sorted(found)


def scores(room) -> dict:
    """``{student: {notebook: score}}`` from the gradebook (read as root)."""
    from nbgrader.api import Gradebook, MissingEntry
    out = {}
    with Gradebook("sqlite:///" + str(room.course_dir / "gradebook.db"), classroom.COURSE_ID) as gb:
        for student in (ATTACKER, VICTIM):
            for name in ("escape", "limits"):
                try:
                    out.setdefault(student, {})[name] = gb.find_submission_notebook(
                        name, ASSIGNMENT, student).score
                except MissingEntry:
                    out.setdefault(student, {})[name] = None
    return out


def report_of(room) -> dict | None:
    """The attack's own account of each attempt (printed in the autograded notebook), or None."""
    path = room.course_dir / "autograded" / ATTACKER / ASSIGNMENT / "escape.ipynb"
    if not path.exists():
        return None
    for c in nbformat.read(path, as_version=4).cells:
        for o in c.get("outputs", []):
            for line in o.get("text", "").splitlines():
                if line.startswith("HOSTILE-REPORT "):
                    return json.loads(line[len("HOSTILE-REPORT "):])
    return None


def report(attack, run: str) -> dict:
    got = attack[run]["report"]
    assert got is not None, f"{run}: the attack printed no report; autograde said:\n{attack[run]['log'][-5000:]}"
    return got


def autograded_text(room, student: str, name: str) -> str:
    """The autograded notebook's text ("" when nbgrader dropped it: a failed notebook)."""
    path = room.course_dir / "autograded" / student / ASSIGNMENT / f"{name}.ipynb"
    return path.read_text(errors="replace") if path.exists() else ""


def autograde(room, students: list[str], *options: str) -> tuple[str, float]:
    """One ``nbgrader autograde`` run as the instructor for ``students``: its log and seconds."""
    start = time.perf_counter()
    log = ""
    for student in students:
        done = room.nbgrader_as(TEACHER, "autograde", ASSIGNMENT, f"--student={student}", "--force",
                                *options, check=False, timeout=600)
        log += f"\n=== autograde {student}: exit {done.returncode}\n" + done.stdout
    return log, time.perf_counter() - start


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return predicate()


def observe(room, listener, log, seconds, settle: float) -> dict:
    """Everything the tests assert on, a few daemon periods after autograde ended."""
    time.sleep(settle)
    hog = autograded_text(room, HOG, "limits")
    return {"log": log, "seconds": seconds, "report": report_of(room), "files": tagged_files(room),
            "grader_processes": classroom.processes_of(pwd.getpwnam(GRADER).pw_uid),
            "connections": list(listener.received), "scores": scores(room),
            "limits_text": hog, "limits_size": len(hog.encode()),
            "escape_text": autograded_text(room, ATTACKER, "escape"),
            "spinner_text": autograded_text(room, SPINNER, "limits")}


def end_daemon_of_control(room) -> None:
    """The unsandboxed daemon runs as the instructor: end it by the pid it wrote, if it is ours."""
    teacher_uid = pwd.getpwnam(TEACHER).pw_uid
    for d in WORLD_WRITABLE:
        try:
            pid = int(Path(d, f"{TAG}-daemon.pid").read_text())
        except (OSError, ValueError):
            continue
        if pid in classroom.processes_of(teacher_uid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def attack():
    with one_class_at_a_time(PREFIX):
        yield from _attack()


def _attack():
    total = time.perf_counter()
    prefix = hub_environment(ROOT)
    classroom.remove_leftovers(prefix=PREFIX)
    work = Path(tempfile.mkdtemp(prefix="initlab-hostile-"))
    os.chmod(work, 0o755)
    paths = []
    for name, nb in source_notebooks().items():
        nbformat.write(nb, work / f"{name}.ipynb")
        paths.append(work / f"{name}.ipynb")
    class_dir = work / "class"
    room = classroom.Classroom(
        prefix, class_dir, TEACHER, HOSTILE + [VICTIM], paths, grader=GRADER,
        course_overrides=(f"c.Execute.timeout = {CELL_TIMEOUT}\n"
                          f"c.GradingSandbox.cpu_limit = {CPU_LIMIT}\n"
                          f"c.GradingSandbox.wall_limit = {WALL_LIMIT}\n"))
    listener = Listener()
    out = {}
    try:
        room.create()
        room.nbgrader_as(TEACHER, "generate_assignment", ASSIGNMENT, "--force")
        release = room.course_dir / "release" / ASSIGNMENT
        attack_code = ATTACK.format(tag=TAG, course=str(room.course_dir), home=str(room.home(TEACHER)),
                                    victim=VICTIM, attacker=ATTACKER, port=listener.port,
                                    world=WORLD_WRITABLE, secret=SECRET, period=DAEMON_PERIOD)
        subs = {
            VICTIM: submission(release, {"escape": {"answer": "def double(x):\n    return 2 * x"},
                                         "limits": {f"answer_{i}": f"answer_{i} = {i}" for i in range(4)}}),
            ATTACKER: submission(release, {"escape": {"answer": attack_code}}),
            HOG: submission(release, {"limits": {f"answer_{i}": code.format(tag=TAG)
                                                 for i, code in enumerate(HOG_ATTACKS)}}),
            SPINNER: submission(release, {"limits": {f"answer_{i}": code
                                                     for i, code in enumerate(SPINNER_ATTACKS)}}),
        }
        for student, nbs in subs.items():
            folder = room.course_dir / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True)
            for name, nb in nbs.items():
                nbformat.write(nb, folder / f"{name}.ipynb")
            (folder / "timestamp.txt").write_text("2030-01-01 12:00:00.000000 UTC")
        subprocess.run(["chown", "-R", f"{TEACHER}:{TEACHER}", str(room.course_dir / "submitted")], check=True)

        log, _ = autograde(room, [VICTIM])
        out["victim_log"] = log
        out["fair"] = scores(room)

        # 1. with the sandbox (the class's configuration)
        log, seconds = autograde(room, HOSTILE)
        out["sandboxed"] = observe(room, listener, log, seconds, settle=4 * DAEMON_PERIOD)

        # 2. the same notebook with the sandbox off (the documented opt-out): the attacks must work
        # (the output cap is nbgrader-side, kept without the sandbox too: lifted here to show it works)
        log, seconds = autograde(room, HOSTILE, "--GradingSandbox.allow_unsandboxed=True",
                                 f"--GradingSandbox.account={PREFIX}no-such-account",
                                 "--GradingSandbox.output_limit=1000000000")
        wait_for(lambda: scores(room)[VICTIM]["escape"] == 0, 20)
        out["unsandboxed"] = observe(room, listener, log, seconds, settle=0)
        end_daemon_of_control(room)
        yield out
    finally:
        listener.close()
        try:
            end_daemon_of_control(room)
        finally:
            room.remove()
            for path in tagged_files_anywhere():
                try:
                    os.unlink(path)
                except OSError:
                    pass
            shutil.rmtree(work, ignore_errors=True)
            left = [p.pw_name for p in pwd.getpwall() if p.pw_gecos == classroom.MARK
                    and p.pw_name.startswith(PREFIX)]
            print(f"\n== hostile sandbox tier: {time.perf_counter() - total:.1f} s; accounts left: {left}")
            for run in ("sandboxed", "unsandboxed"):
                if run in out:
                    print(f"  {run}: autograde {out[run]['seconds']:.1f} s; "
                          + json.dumps(out[run]["report"], indent=None))
                    if out[run]["report"] is None:
                        print(out[run]["log"][-5000:])


def tagged_files_anywhere() -> list[str]:
    """The attack's files in the world-writable folders (the instructor's home is gone by then)."""
    return [os.path.join(dirpath, f) for top in WORLD_WRITABLE
            for dirpath, _, files in os.walk(top) for f in files if TAG in f]


# -- the tests ----------------------------------------------------------------------------------------
FIND = ["read the source notebook (solutions, hidden tests)", "read another student's submission",
        "read the gradebook", "list the instructor's home",
        "copy the source notebook to a world-writable folder"]
PLANT = ["plant code in the instructor's IPython start-up folder", "plant a file in a world-writable folder"]
ALL = FIND + PLANT + ["start a process that outlives autograde",
                      "connect to a port listening on the host's 127.0.0.1", "rewrite the gradebook directly"]


def test_the_victim_was_graded_fairly_first(attack):
    """The victim's grades, before any attack: what every later check compares with."""
    assert attack["fair"][VICTIM]["escape"] == 2, attack["victim_log"][-3000:]
    assert attack["fair"][VICTIM]["limits"] == 1, attack["victim_log"][-3000:]


@pytest.mark.parametrize("what", ALL)
def test_each_attack_works_without_the_sandbox(attack, what):
    """The control: with the sandbox off, every attempt of the notebook succeeds."""
    got = report(attack, "unsandboxed")
    assert got[what].startswith("ok"), (what, got[what], attack["unsandboxed"]["log"][-3000:])


@pytest.mark.parametrize("what", ALL)
def test_each_attack_is_refused_in_the_sandbox(attack, what):
    got = report(attack, "sandboxed")
    assert set(got) == set(ALL), got
    if what in ("start a process that outlives autograde", "plant a file in a world-writable folder"):
        return      # works inside the sandbox's private /tmp; that nothing of it is left: tested below
    assert got[what].startswith("refused"), (what, got[what])


def test_sandbox_finds_and_plants_nothing_the_control_does(attack):
    assert attack["sandboxed"]["files"] == [], attack["sandboxed"]["files"]
    control = attack["unsandboxed"]["files"]
    names = {os.path.basename(f) for f in control}
    for expected in (f"{TAG}-loot.ipynb", f"{TAG}-planted", f"00-{TAG}.py", f"{TAG}-daemon-alive",
                     f"{TAG}-startup-ran"):
        assert expected in names, (expected, control)


def test_no_process_outlives_the_sandboxed_autograde(attack):
    assert attack["sandboxed"]["grader_processes"] == []
    assert not [f for f in attack["sandboxed"]["files"] if "daemon" in f]


def test_no_grade_changes_in_the_sandbox_and_the_control_shows_it_would(attack):
    fair_victim = attack["fair"][VICTIM]
    assert attack["sandboxed"]["scores"][VICTIM] == fair_victim
    assert attack["sandboxed"]["scores"][ATTACKER]["escape"] == 0        # its wrong answer
    assert attack["unsandboxed"]["scores"][VICTIM]["escape"] == 0        # the daemon's work
    assert attack["unsandboxed"]["scores"][ATTACKER]["escape"] >= 99


def test_no_network_from_the_sandbox(attack):
    assert report(attack, "sandboxed")["connect to a port listening on the host's 127.0.0.1"] \
        .startswith("refused")
    assert TAG.encode() in b"".join(attack["unsandboxed"]["connections"])
    # the sandboxed run came first: the only connections are the control's
    assert all(c == TAG.encode() for c in attack["unsandboxed"]["connections"])
    assert len(attack["sandboxed"]["connections"]) == 0


def test_hidden_tests_of_the_graded_notebook_remain_visible_to_its_own_code(attack):
    """Documented in INSTRUCTORS.md: the sandbox keeps the kernel from the instructor's files,
    not from the test cells that run in it. Still true here, by design of nbgrader."""
    assert SECRET in attack["sandboxed"]["escape_text"]
    assert "SEEN-CELL" in attack["sandboxed"]["escape_text"]


def test_memory_limit(attack):
    assert "MEM-REFUSED" in attack["sandboxed"]["limits_text"]
    assert "MEM-GRANTED" in attack["unsandboxed"]["limits_text"]


def test_file_size_limit(attack):
    assert "FSIZE-REFUSED 27" in attack["sandboxed"]["limits_text"]          # EFBIG
    assert "FSIZE-WROTE" in attack["unsandboxed"]["limits_text"]


def test_output_limit(attack):
    assert "initlab autograde: output over" in attack["sandboxed"]["limits_text"]
    assert attack["sandboxed"]["limits_size"] < 6 * 1024 ** 2
    assert attack["unsandboxed"]["limits_size"] > 19_000_000


def test_cpu_limit_ends_a_kernel_that_burns_cpu(attack):
    sandboxed, control = attack["sandboxed"], attack["unsandboxed"]
    # without the sandbox the spinner's notebook runs to its end, burning CPU all along
    assert "SPIN-SURVIVED-3" in control["spinner_text"], control["log"][-3000:]
    # in the sandbox the CPU limit kills the kernel first: nbgrader reports it and drops the notebook
    assert "SPIN-SURVIVED-3" not in sandboxed["spinner_text"]
    spinner_log = sandboxed["log"][sandboxed["log"].index(f"=== autograde {SPINNER}"):]
    assert "DeadKernel" in spinner_log or "Kernel died" in spinner_log or "kernel died" in spinner_log, \
        spinner_log[-3000:]
    assert sandboxed["grader_processes"] == []
