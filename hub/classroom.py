#!/usr/bin/env python3
"""A class of initlab on a local JupyterHub: accounts, exchange, configuration, the hub itself.

Used by ``python3 tasks.py hub`` (a demo class an instructor can try) and by
``tests/test_hub.py`` (a whole class, end to end). Runs as root on Linux.
Standard library only, so that it runs from any Python; everything the users
run comes from the hub's shared environment (``PREFIX/venv``, made by
``tasks.py``).

What :meth:`Classroom.create` makes, and why (INSTRUCTORS.md has the same list):

* one Unix account per student and one for the instructor, each with its own
  group, home folder mode 0700 (Debian makes them 0755: the instructor's
  source notebooks and gradebook, and every student's nbgrader cache with the
  submission secret, would be readable by everyone);
* the exchange root ``CLASS_DIR/exchange``, owned by root, mode 1777 (anyone
  may create a course folder, but the sticky bit stops anyone renaming or
  deleting somebody else's; nbgrader's release accepts 1777);
* the course folder ``exchange/initlab``, pre-created for the instructor, mode
  0755, so no student can create ("squat") it first; inside it ``inbound``
  3733 (setgid: submissions get the instructor's group; sticky: a submission
  can be renamed or deleted only by its owner; no read bit for others: it
  cannot be listed), ``outbound`` 0755 and ``feedback`` 0711 (not listable);
* ``etc/common/nbgrader_config.py`` (exchange root, course id and the exchange
  classes of ``initlab_exchange``), ``etc/student`` (nbgrader's instructor
  extensions switched off) and ``etc/instructor``;
* the instructor's course directory ``~instructor/initlab`` (the repository's
  ``nbgrader_config.py`` and the chosen ``notebooks/``) and
  ``~instructor/.jupyter/nbgrader_config.py`` naming it, for formgrader;
* the roster ``students.txt`` and the hub's state folder with a random shared
  password (0600);
* the autograde sandbox (hub/initlab_sandbox.py): an account of its own for the
  students' code while it is autograded (no home, no shell, no group of anyone
  else's), a sudo rule ``/etc/sudoers.d/<account>`` that lets the instructor
  start bubblewrap as that account and nothing else, and ``etc/instructor/
  nbgrader_config.py`` naming it and putting the sandboxed Execute in autograde.

``python3 hub/classroom.py demo --prefix /opt/initlab-hub`` makes a demo class,
releases the course, starts the hub and prints how to log in; Ctrl-C removes
everything it made.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import pwd
import grp
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parent
ROOT = HUB_DIR.parent
CONFIG = HUB_DIR / "jupyterhub_config.py"
#: GECOS comment of every account this module creates; :func:`remove_leftovers` removes only those.
MARK = "initlab hub class account"
COURSE_ID = "initlab"
ASSIGNMENT = "notebooks"

STUDENT_SERVER_CONFIG = {"ServerApp": {"jpserver_extensions": {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True}}}
STUDENT_PAGE_CONFIG = {"disabledExtensions": {
    "@jupyter/nbgrader:formgrader": True,
    "@jupyter/nbgrader:create-assignment": True,
    "@jupyter/nbgrader:course-list": True}}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, **kwargs)


def processes_of(uid: int) -> list[int]:
    """PIDs whose real user id is ``uid`` (from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("Uid:"):
                    if int(line.split()[1]) == uid:
                        pids.append(int(entry.name))
                    break
        except OSError:
            continue
    return pids


def end_processes_of(uid: int) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = processes_of(uid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        for _ in range(50):
            if not processes_of(uid):
                return
            time.sleep(0.1)


def remove_account(name: str) -> None:
    """End the account's processes, then delete it with its home folder and group."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if entry.pw_gecos != MARK:
        raise RuntimeError(f"refusing to remove {name!r}: not an account made by {__file__}")
    end_processes_of(entry.pw_uid)
    rule = Path("/etc/sudoers.d") / name           # the sandbox account's sudo rule, if any
    try:
        if rule.read_text().startswith("# hub/classroom.py"):
            rule.unlink()
    except OSError:
        pass
    subprocess.run(["userdel", "--remove", name], capture_output=True)
    shutil.rmtree(entry.pw_dir, ignore_errors=True)
    try:
        grp.getgrnam(name)
        subprocess.run(["groupdel", name], capture_output=True)
    except KeyError:
        pass


def remove_leftovers(prefix: str = "") -> list[str]:
    """Remove the accounts an interrupted earlier run left (recognised by :data:`MARK`).

    Only those whose name starts with ``prefix``: two classes made side by side on one
    machine (two test runs with different account prefixes) must not remove each other's.
    """
    names = [p.pw_name for p in pwd.getpwall() if p.pw_gecos == MARK and p.pw_name.startswith(prefix)]
    for name in names:
        remove_account(name)
    return names


class Classroom:
    """A class on one machine: accounts, exchange, configuration, and a JupyterHub process."""

    def __init__(self, prefix: Path, class_dir: Path, instructor: str, students: list[str],
                 notebooks: list[Path], course_overrides: str = "", grader: str = "initlab-grader"):
        self.prefix = Path(prefix)
        self.venv = self.prefix / "venv"
        self.python = self.venv / "bin" / "python"
        self.class_dir = Path(class_dir)
        self.exchange = self.class_dir / "exchange"
        self.course_exchange = self.exchange / COURSE_ID
        self.inbound = self.course_exchange / "inbound"
        self.outbound = self.course_exchange / "outbound"
        self.feedback = self.course_exchange / "feedback"
        self.instructor = instructor
        self.students = list(students)
        self.grader = grader               # the account autograde runs the students' code as
        self.sudoers = Path("/etc/sudoers.d") / grader
        self.notebooks = [Path(p) for p in notebooks]
        self.course_overrides = course_overrides
        self.password = secrets.token_urlsafe(12)
        self.port = free_port()
        self.hub_process: subprocess.Popen | None = None
        self.hub_log = self.class_dir / "hub" / "jupyterhub.log"
        self.created: list[str] = []

    # -- accounts -----------------------------------------------------------------------------
    @property
    def users(self) -> list[str]:
        return [self.instructor] + self.students

    def home(self, name: str) -> Path:
        return Path(pwd.getpwnam(name).pw_dir)

    @property
    def course_dir(self) -> Path:
        return self.home(self.instructor) / COURSE_ID

    def create_accounts(self) -> None:
        for name in self.users + [self.grader]:
            if not name or not all(ch.isalnum() or ch in "-_" for ch in name) or len(name) > 32:
                raise ValueError(f"user names must be 1-32 letters, digits, - or _; got {name!r}")
            try:
                pwd.getpwnam(name)
                raise RuntimeError(f"the account {name!r} exists already; pick other names")
            except KeyError:
                pass
        for name in self.users:
            run("useradd", "--create-home", "--user-group", "--shell", "/bin/bash",
                "--comment", MARK, name)
            self.created.append(name)
            os.chmod(self.home(name), 0o700)      # Debian's default is 0755: see the module doc
        self.create_grader()

    def create_grader(self) -> None:
        """The sandbox's account (owns nothing, cannot log in) and the instructor's one sudo rule."""
        run("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
            "--shell", "/usr/sbin/nologin", "--comment", MARK, self.grader)
        self.created.append(self.grader)
        if shutil.which("sudo") is None or shutil.which("visudo") is None:
            return       # autograde then refuses and says so (initlab_sandbox.check_host)
        rule = (f"# hub/classroom.py: the instructor may start the autograde sandbox as {self.grader}, "
                "nothing else.\n"
                f"{self.instructor} ALL=({self.grader}) NOPASSWD: {self.bwrap}\n")
        staged = self.sudoers.with_name(f".{self.sudoers.name}.new")
        staged.write_text(rule)
        os.chmod(staged, 0o440)
        check = subprocess.run(["visudo", "-cf", str(staged)], capture_output=True, text=True)
        if check.returncode != 0:
            staged.unlink()
            raise RuntimeError(f"visudo refused the sandbox rule:\n{check.stdout}{check.stderr}")
        os.replace(staged, self.sudoers)        # sudo ignores names with a dot: only now is it read

    @property
    def bwrap(self) -> str:
        return shutil.which("bwrap") or "/usr/bin/bwrap"

    # -- layout -----------------------------------------------------------------------------
    def _own(self, path: Path, user: str, mode: int) -> None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
        os.chmod(path, mode)

    def _write(self, path: Path, text: str, mode: int = 0o644, user: str = "root") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self._own(path, user, mode)

    def create_layout(self) -> None:
        self.class_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.class_dir, 0o755)
        self.exchange.mkdir()
        os.chmod(self.exchange, 0o1777)
        self.course_exchange.mkdir()
        self._own(self.course_exchange, self.instructor, 0o755)
        for path, mode in ((self.inbound, 0o3733), (self.outbound, 0o755), (self.feedback, 0o711)):
            path.mkdir()
            self._own(path, self.instructor, mode)

        etc = self.class_dir / "etc"
        for sub in ("common", "student", "instructor"):
            (etc / sub).mkdir(parents=True, exist_ok=True)
            os.chmod(etc / sub, 0o755)
        os.chmod(etc, 0o755)
        self._write(etc / "common" / "nbgrader_config.py", self.common_nbgrader_config())
        self._write(etc / "student" / "jupyter_server_config.json",
                    json.dumps(STUDENT_SERVER_CONFIG, indent=2) + "\n")
        self._write(etc / "student" / "labconfig" / "page_config.json",
                    json.dumps(STUDENT_PAGE_CONFIG, indent=2) + "\n")
        os.chmod(etc / "student" / "labconfig", 0o755)
        self._write(etc / "instructor" / "README", "The instructor keeps every nbgrader extension.\n")
        self._write(etc / "instructor" / "nbgrader_config.py", self.instructor_nbgrader_config())
        self._write(self.class_dir / "students.txt", "\n".join(self.students) + "\n")

        state = self.class_dir / "hub"
        state.mkdir()
        os.chmod(state, 0o700)                     # the hub's database, cookie secret, password
        self._write(state / "password", self.password + "\n", mode=0o600)

        # The instructor's course directory, in their private home.
        course = self.course_dir
        (course / ASSIGNMENT).mkdir(parents=True)
        shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
        if self.course_overrides:
            with open(course / "nbgrader_config.py", "a") as fh:
                fh.write("\n" + self.course_overrides)
        for nb in self.notebooks:
            shutil.copy(nb, course / ASSIGNMENT / nb.name)
        self._write(self.home(self.instructor) / ".jupyter" / "nbgrader_config.py",
                    "# formgrader starts in ~; it finds the course through this line.\n"
                    f"c = get_config()  # noqa: F821\nc.CourseDirectory.root = {str(course)!r}\n",
                    user=self.instructor)
        run("chown", "-R", f"{self.instructor}:{self.instructor}", course,
            self.home(self.instructor) / ".jupyter")

    def common_nbgrader_config(self) -> str:
        return (
            '"""nbgrader settings shared by the instructor and every student (made by hub/classroom.py)."""\n'
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(self.exchange)!r}\n"
            "# Exchange steps that keep students apart (hub/initlab_exchange.py):\n"
            'c.ExchangeFactory.submit = "initlab_exchange.PrivateSubmit"\n'
            'c.ExchangeFactory.collect = "initlab_exchange.VerifiedCollect"\n'
            'c.ExchangeFactory.release_feedback = "initlab_exchange.PrivateReleaseFeedback"\n')

    def instructor_nbgrader_config(self) -> str:
        return (
            '"""nbgrader settings of the instructor (made by hub/classroom.py): autograde in the sandbox."""\n'
            "import initlab_sandbox\n\n"
            "c = get_config()  # noqa: F821\n"
            "# Each notebook's kernel runs as this account, in bubblewrap (hub/initlab_sandbox.py).\n"
            f"c.GradingSandbox.account = {self.grader!r}\n"
            f"c.GradingSandbox.bwrap = {self.bwrap!r}\n"
            "c.Autograde.autograde_preprocessors = initlab_sandbox.autograde_preprocessors()\n")

    def create(self) -> "Classroom":
        self.create_accounts()
        self.create_layout()
        return self

    # -- running things as a user -----------------------------------------------------------
    def role(self, name: str) -> str:
        return "instructor" if name == self.instructor else "student"

    def user_env(self, name: str) -> dict:
        """The environment a user's hub server gets (see jupyterhub_config.py), for scripts."""
        entry = pwd.getpwnam(name)
        etc = self.class_dir / "etc"
        return {"HOME": entry.pw_dir, "USER": name, "LOGNAME": name, "SHELL": "/bin/bash",
                "LANG": "C.UTF-8", "PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
                "JUPYTER_CONFIG_PATH": f"{etc / self.role(name)}:{etc / 'common'}",
                "PYTHONUNBUFFERED": "1"}

    def popen_as(self, name: str, args: list, cwd: Path | None = None, **kwargs) -> subprocess.Popen:
        """Start ``args`` as the Unix user ``name`` (own uid, gid and groups only), umask 077."""
        entry = pwd.getpwnam(name)
        return subprocess.Popen([str(a) for a in args], user=entry.pw_uid, group=entry.pw_gid,
                                extra_groups=[], umask=0o077, cwd=str(cwd or entry.pw_dir),
                                env=self.user_env(name), **kwargs)

    def run_as(self, name: str, args: list, timeout: float = 600, check: bool = True,
               **kwargs) -> subprocess.CompletedProcess:
        proc = self.popen_as(name, args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             stdin=subprocess.DEVNULL, **kwargs)
        out, _ = proc.communicate(timeout=timeout)
        done = subprocess.CompletedProcess(proc.args, proc.returncode, out, "")
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, args))} as {name} exited {proc.returncode}:\n{out}")
        return done

    def nbgrader_as(self, name: str, *args, **kwargs) -> subprocess.CompletedProcess:
        cwd = self.course_dir if name == self.instructor else None
        return self.run_as(name, [self.venv / "bin" / "nbgrader", *args], cwd=cwd, **kwargs)

    # -- the hub -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_hub(self, timeout: float = 120) -> None:
        env = {"PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "HOME": "/root", "INITLAB_HUB_PREFIX": str(self.prefix),
               "INITLAB_HUB_CLASS_DIR": str(self.class_dir), "INITLAB_HUB_INSTRUCTOR": self.instructor,
               "INITLAB_HUB_PORT": str(self.port), "INITLAB_HUB_HUB_PORT": str(free_port()),
               "INITLAB_HUB_PROXY_API_PORT": str(free_port())}
        log = open(self.hub_log, "wb")
        self.hub_process = subprocess.Popen(
            [str(self.venv / "bin" / "jupyterhub"), "-f", str(CONFIG)], cwd=self.class_dir / "hub",
            env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.hub_process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited with {self.hub_process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api/", timeout=5) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        raise RuntimeError(f"jupyterhub did not answer within {timeout:.0f} s:\n{self.log()}")

    def log(self, chars: int = 8000) -> str:
        try:
            return self.hub_log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop_hub(self) -> None:
        if self.hub_process is None:
            return
        if self.hub_process.poll() is None:
            self.hub_process.send_signal(signal.SIGTERM)   # the hub stops the users' servers
            try:
                self.hub_process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.hub_process.pid, signal.SIGKILL)  # the proxy, if still there
        except (ProcessLookupError, PermissionError):
            pass
        self.hub_process = None

    # -- the end -----------------------------------------------------------------------------
    def remove(self) -> None:
        """Stop the hub, end the accounts' processes, delete the accounts and the class folder."""
        self.stop_hub()
        for name in self.created:
            remove_account(name)
        self.created = []
        shutil.rmtree(self.class_dir, ignore_errors=True)

    def __enter__(self) -> "Classroom":
        try:
            return self.create()
        except BaseException:
            self.remove()
            raise

    def __exit__(self, *exc) -> None:
        self.remove()


# -- the demo (python3 tasks.py hub) ------------------------------------------------------------
def demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 tasks.py hub",
                                     description="a demo class of initlab on a local JupyterHub")
    parser.add_argument("--prefix", type=Path, required=True, help="the hub environment (tasks.py)")
    parser.add_argument("--students", type=int, default=3, help="number of demo students (3)")
    parser.add_argument("--class-dir", type=Path, default=Path("/srv/initlab-demo"))
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("run as root: the demo creates Unix accounts", file=sys.stderr)
        return 2
    if args.class_dir.exists():
        print(f"{args.class_dir} exists (an earlier demo?): remove it first", file=sys.stderr)
        return 2
    removed = remove_leftovers()
    if removed:
        print(f"removed accounts an interrupted earlier run left: {', '.join(removed)}")
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    room = Classroom(args.prefix, args.class_dir, "initlab-teacher",
                     [f"initlab-student{i}" for i in range(1, args.students + 1)], notebooks)
    stop = {"now": False}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.update(now=True))
    try:
        room.create()
        print("releasing the course (nbgrader generate_assignment + release_assignment, as the instructor)")
        room.nbgrader_as(room.instructor, "generate_assignment", ASSIGNMENT, "--force")
        room.nbgrader_as(room.instructor, "release_assignment", ASSIGNMENT, "--force")
        room.start_hub()
        print(f"""
JupyterHub is running at {room.url}/  (this machine only; Ctrl-C stops it and removes the class)

  log in as           password: {room.password}
    {room.instructor:<18s} the instructor: Nbgrader -> Formgrader; course in ~/{COURSE_ID}
""" + "".join(f"    {s:<18s} a student: Nbgrader -> Assignment List -> Fetch, work, Submit\n"
              for s in room.students) + f"""
From another machine: ssh -L {room.port}:127.0.0.1:{room.port} <this machine>, then open the URL.
The instructor's commands, e.g.:
    runuser -u {room.instructor} -- env JUPYTER_CONFIG_PATH={room.class_dir}/etc/instructor:{room.class_dir}/etc/common \\
        sh -c 'cd ~/{COURSE_ID} && {room.venv}/bin/nbgrader collect {ASSIGNMENT}'
""", flush=True)
        while not stop["now"] and room.hub_process.poll() is None:
            time.sleep(0.5)
        if room.hub_process.poll() is not None:
            print(f"the hub stopped:\n{room.log()}")
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)      # a second Ctrl-C must not stop the clean-up
        print("removing the demo class (hub, accounts, exchange)", flush=True)
        room.remove()
        print("removed", flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["demo"]:
        sys.exit(demo(sys.argv[2:]))
    print(__doc__)
    sys.exit(2)
