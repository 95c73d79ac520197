"""Autograde in a sandbox: the kernel nbgrader starts runs as an account of its own, in bubblewrap.

``nbgrader autograde`` executes every submitted notebook in a Jupyter kernel
that nbgrader starts as whoever runs autograde: the instructor. Without this
module a student's code can read the instructor's source notebooks (solutions,
hidden tests) and gradebook, plant code in the instructor's home, and leave a
process behind that rewrites grades later. With it (``nbgrader_config.py``
and the class's ``etc/instructor/nbgrader_config.py`` switch it on), the
kernel of each notebook:

* runs as an unprivileged account of its own (``GradingSandbox.account``,
  default ``initlab-grader``; it owns nothing and can read nothing of the
  instructor's): as root the switch is made by ``setpriv`` inside the
  sandbox; as the instructor, by ``sudo`` with one rule that lets the
  instructor run ``bwrap`` as that account and nothing else (hub/classroom.py
  writes it; INSTRUCTORS.md shows it);
* inside bubblewrap (``bwrap``, the sandbox Flatpak uses): new mount, pid,
  network, IPC and UTS namespaces; the file system is an empty read-only root
  with ``/usr`` (the system: world-readable files, ``/usr/local`` hidden), the
  course's environment (the Python and venv that run nbgrader, the
  ``course_utils`` package) read-only, a private ``/tmp`` and home (size
  limited tmpfs, gone with the sandbox), ``/dev`` and ``/proc`` of its own;
  no network at all (``--unshare-net``: not even the host's loopback);
* talks to nbgrader over ZMQ ``ipc`` sockets in a folder only the instructor
  and that account may enter (POSIX ACL), bound into the sandbox, because
  TCP cannot cross the network namespace; the connection file (its key) is
  handed over as the first line on the sandbox's stdin, so it is never a file
  the account could read outside;
* is stopped with everything it started: the stdin pipe stays open while
  nbgrader holds the kernel, and when it closes (the notebook is done, or
  nbgrader itself was killed) the sandbox's first process ends; the pid
  namespace then kills every process left in it (and bwrap's
  ``--die-with-parent`` does the same if its parent goes);
* has limits (``prlimit`` and ``timeout``): address space, CPU seconds, wall
  seconds, file size, processes; and nbgrader keeps at most
  ``GradingSandbox.output_limit`` bytes of output per notebook.

Where the sandbox cannot be had (not Linux, no bwrap, user namespaces off, no
account, no sudo rule, an environment the account cannot read), autograde
refuses with the reason and what to do, unless the instructor opts out
explicitly with ``c.GradingSandbox.allow_unsandboxed = True``.

Wired in through nbgrader's own configuration: :class:`SandboxedExecute`
replaces nbgrader's ``Execute`` preprocessor in ``Autograde.autograde_preprocessors``
and makes its kernels with :class:`SandboxedKernelManager`, a jupyter_client
``AsyncKernelManager`` whose launch wraps the kernel's command in the sandbox.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute
from nbformat.v4 import new_output
from traitlets import Bool, Integer, List, Unicode
from traitlets.config import LoggingConfigurable
from course_utils.settings import setting

#: Where the kernel finds its connection file inside the sandbox (a private tmpfs).
INNER_RUN = "/run/initlab"
INNER_CONNECTION = INNER_RUN + "/kernel.json"
#: The kernel's private home (a tmpfs) and working folder.
INNER_HOME = "/home/grader"
#: Host folders every Debian-like system has as symlinks into /usr (merged /usr).
MERGED_USR = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
OPT_OUT = "c.GradingSandbox.allow_unsandboxed = True"
#: The sandbox's first process (sh): the connection file from stdin's first line; the kernel with
#: umask 007 (its sockets' mode comes from it, a default ACL cannot widen it: group bits on, so the
#: socket folder's ACL entry for the instructor takes effect); and the end of everything when
#: either the kernel ends or stdin closes (nbgrader done with it, or gone). A background job's
#: stdin would be /dev/null: the watcher reads a copy of it (fd 3), which the kernel does not get.
LIFELINE = ('umask 077 && IFS= read -r c && printf "%s\\n" "$c" > ' + INNER_CONNECTION + ' && umask 007 && '
            'exec 3<&0 && { "$0" "$@" </dev/null 3<&- & k=$!; '
            '{ cat <&3 >/dev/null; kill -KILL $k; } & exec 3<&-; wait $k; }')


#: The smoke test's program: the connection file arrived, ipykernel imports; then matplotlib's
#: font list, if matplotlib is there.
SMOKE = ("import ipykernel, json, sys; json.load(open(sys.argv[2]))\n"
         "try:\n    import matplotlib.font_manager\nexcept ImportError:\n    pass\n")


class SandboxUnavailable(RuntimeError):
    """The grading sandbox cannot be set up here; the message says why and what to do."""


class GradingSandbox(LoggingConfigurable):
    """Settings of the autograde sandbox (``c.GradingSandbox.*`` in nbgrader_config.py)."""

    account = Unicode(
        setting("INITLAB_GRADER_ACCOUNT"),
        help="The Unix account the students' code runs as: unprivileged, owning nothing, used for "
             "nothing else (default: $INITLAB_GRADER_ACCOUNT, else initlab-grader).").tag(config=True)
    allow_unsandboxed = Bool(
        False, help="Where the sandbox cannot be had, run the students' code as yourself anyway "
                    "(it can then read and change everything you can). Off: autograde refuses."
    ).tag(config=True)
    bwrap = Unicode("/usr/bin/bwrap", help="bubblewrap (Debian: apt-get install bubblewrap)").tag(config=True)
    sudo = Unicode("/usr/bin/sudo", help="sudo, to start bwrap as the account when not root").tag(config=True)
    setfacl = Unicode("/usr/bin/setfacl", help="setfacl (Debian: apt-get install acl)").tag(config=True)
    memory_limit = Integer(3 * 1024 ** 3, help="Address space of each kernel process, bytes (RLIMIT_AS)"
                           ).tag(config=True)
    cpu_limit = Integer(900, help="CPU seconds of each kernel process (RLIMIT_CPU)").tag(config=True)
    wall_limit = Integer(3600, help="Seconds a kernel may live (one notebook); then it is killed"
                         ).tag(config=True)
    file_size_limit = Integer(64 * 1024 ** 2, help="Largest file the kernel may write, bytes (RLIMIT_FSIZE)"
                              ).tag(config=True)
    tmp_size = Integer(256 * 1024 ** 2, help="Size of the private /tmp and of the private home, bytes each"
                       ).tag(config=True)
    max_processes = Integer(256, help="Processes and threads of the account at once (RLIMIT_NPROC)"
                            ).tag(config=True)
    output_limit = Integer(4 * 1024 ** 2, help="Output nbgrader keeps of one notebook, bytes; after it only "
                                               "errors and results, shortened (grades unchanged)"
                           ).tag(config=True)
    extra_read_only = List(Unicode(), help="More host paths the kernel may read (e.g. a data folder)"
                           ).tag(config=True)


# -- the command line ----------------------------------------------------------------------------------
def environment_paths(extra: list[str] = ()) -> list[str]:
    """The course's environment, which the kernel may read: the Python running nbgrader (venv and
    base installation), the ``course_utils`` package (an editable install lives outside the venv),
    and ``extra``. Real paths, nested ones dropped, the system's ``/usr`` left out (always bound)."""
    found = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    spec = importlib.util.find_spec("course_utils")
    if spec is not None and spec.origin:
        found.append(os.path.dirname(spec.origin))
    found += list(extra)
    real = sorted({os.path.realpath(p) for p in found})
    out: list[str] = []
    for path in real:
        if path == "/usr" or path.startswith("/usr/") and not path.startswith("/usr/local"):
            continue
        if any(path == kept or path.startswith(kept.rstrip("/") + "/") for kept in out):
            continue
        out.append(path)
    return out


def _parents(paths: list[str]) -> list[str]:
    """Every ancestor folder of ``paths`` (outside /usr), shallowest first, each once."""
    seen: list[str] = []
    for path in paths:
        parts = Path(path).parts[1:-1]
        for i in range(1, len(parts) + 1):
            parent = "/" + "/".join(parts[:i])
            if parent not in seen and parent != "/usr" and not parent.startswith("/usr/"):
                seen.append(parent)
    return seen


def sandbox_argv(kernel_cmd: list[str], *, uid: int, gid: int, as_root: bool, read_only: list[str],
                 socket_dir: str, limits: dict, bwrap: str = "/usr/bin/bwrap",
                 sudo: str = "/usr/bin/sudo", account: str = "initlab-grader",
                 font_cache: str | None = None, font_cache_dir: str | None = None) -> list[str]:
    """The full command that runs ``kernel_cmd`` (its ``-f`` already :data:`INNER_CONNECTION`) in
    the sandbox, as the account ``uid``/``gid``. Its stdin must be a pipe whose first line is the
    connection file (one line of JSON) and which stays open as long as the kernel may live.

    ``as_root``: bwrap runs as root (no user namespace) and ``setpriv`` drops to the account inside;
    otherwise ``sudo -u account`` starts bwrap as the account (bwrap then uses a user namespace).
    ``limits``: ``memory``, ``cpu``, ``wall``, ``fsize``, ``nproc`` (seconds, bytes), ``tmp``.
    ``font_cache``: matplotlib's font list, read-only in the kernel's cache folder (built once per
    process by :meth:`SandboxedKernelManager._smoke_test`, which binds ``font_cache_dir`` there,
    writable, to build it): each fresh home would otherwise rebuild it, running ``fc-list``.
    """
    for key in ("memory", "cpu", "wall", "fsize", "nproc", "tmp"):
        value = limits.get(key)
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"limits[{key!r}] must be a positive integer; got {value!r}")
    if not os.path.isabs(socket_dir):
        raise ValueError(f"socket_dir must be an absolute path; got {socket_dir!r}")
    args = [bwrap,
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "grader",
            # The system, read-only; /usr/local may hold anything a machine's admin put there.
            "--ro-bind", "/usr", "/usr", "--tmpfs", "/usr/local"]
    for name in MERGED_USR:
        target = os.path.join("/", name)
        if os.path.islink(target):
            args += ["--symlink", os.readlink(target), target]
    args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
             "--ro-bind-try", "/etc/localtime", "/etc/localtime",
             "--ro-bind-try", "/etc/fonts", "/etc/fonts"]
    # Private, size-limited and gone with the sandbox. 01777: when bwrap runs as root they are
    # root's, and the account must write in them.
    args += ["--perms", "01777", "--size", str(limits["tmp"]), "--tmpfs", "/tmp",
             "--perms", "01777", "--size", str(limits["tmp"]), "--tmpfs", INNER_HOME]
    # bwrap makes missing parents 0700 when it runs as root: open them so the account can pass.
    for parent in _parents(read_only + [socket_dir, INNER_CONNECTION]):
        if parent not in ("/tmp", INNER_HOME):
            args += ["--perms", "0755", "--dir", parent]
    for path in read_only:
        args += ["--ro-bind", path, path]
    mpl = INNER_HOME + "/.cache/matplotlib"
    if font_cache or font_cache_dir:
        args += ["--perms", "01777", "--dir", INNER_HOME + "/.cache"]
    if font_cache_dir:
        args += ["--bind", font_cache_dir, mpl]
    elif font_cache:
        args += ["--perms", "01777", "--dir", mpl,
                 "--ro-bind", font_cache, f"{mpl}/{os.path.basename(font_cache)}"]
    args += ["--bind", socket_dir, socket_dir,
             "--perms", "01777", "--size", str(1 << 20), "--tmpfs", INNER_RUN,
             "--dev", "/dev", "--proc", "/proc",
             "--remount-ro", "/",
             "--chdir", INNER_HOME, "--clearenv",
             "--setenv", "HOME", INNER_HOME, "--setenv", "USER", account, "--setenv", "LOGNAME", account,
             "--setenv", "TMPDIR", "/tmp", "--setenv", "LANG", "C.UTF-8",
             "--setenv", "PATH", f"{os.path.dirname(kernel_cmd[0])}:/usr/bin:/bin",
             "--setenv", "PYTHONDONTWRITEBYTECODE", "1", "--setenv", "MPLBACKEND", "agg",
             # ipykernel: a launched kernel (no banner on our terminal); 1 = no parent to poll
             "--setenv", "JPY_PARENT_PID", "1",
             "--"]
    if as_root:
        args += ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    args += ["/usr/bin/prlimit", f"--as={limits['memory']}", f"--cpu={limits['cpu']}",
             f"--fsize={limits['fsize']}", f"--nproc={limits['nproc']}", "--core=0", "--",
             "/bin/sh", "-c", LIFELINE,
             "/usr/bin/timeout", "--signal=KILL", str(limits["wall"])]
    args += list(kernel_cmd)
    if not as_root:
        args = [sudo, "--non-interactive", "--user", account, "--"] + args
    return args


def inner_kernel_cmd(kernel_cmd: list[str]) -> list[str]:
    """``kernel_cmd`` with its connection file argument pointed at :data:`INNER_CONNECTION`."""
    out = list(kernel_cmd)
    for i, arg in enumerate(out):
        if arg == "-f" and i + 1 < len(out):
            out[i + 1] = INNER_CONNECTION
            return out
        if arg.startswith("--f=") or arg.startswith("-f="):
            out[i] = arg.split("=", 1)[0] + "=" + INNER_CONNECTION
            return out
    raise ValueError(f"kernel_cmd has no connection file argument (-f FILE): {kernel_cmd!r}")


# -- can we? ---------------------------------------------------------------------------------------
def _refuse(reason: str, fix: str) -> SandboxUnavailable:
    return SandboxUnavailable(
        f"initlab will not autograde outside its sandbox: {reason}.\n"
        f"  To grade safely: {fix}\n"
        "  Or grade on a Linux machine or VM you can spare (a class kit made by hub/classroom.py "
        "sets it all up; INSTRUCTORS.md, 'What the class kit guarantees: autograde').\n"
        f"  To run the students' code as yourself anyway (it can then read and change everything "
        f"you can, your gradebook included), put `{OPT_OUT}` in nbgrader_config.py.")


def check_host(settings: GradingSandbox) -> pwd.struct_passwd:
    """The sandbox account's entry, or :class:`SandboxUnavailable` saying what is missing."""
    if not sys.platform.startswith("linux"):
        raise _refuse(f"the sandbox needs Linux (bubblewrap); this is {sys.platform}",
                      "autograde on a Linux machine (JupyterHub class kit) or in a Linux VM/container")
    if not os.access(settings.bwrap, os.X_OK):
        raise _refuse(f"bubblewrap is not installed ({settings.bwrap} missing)",
                      "as root: apt-get install bubblewrap acl sudo")
    if not os.access(settings.setfacl, os.X_OK):
        raise _refuse(f"setfacl is not installed ({settings.setfacl} missing)", "as root: apt-get install acl")
    try:
        entry = pwd.getpwnam(settings.account)
    except KeyError:
        raise _refuse(f"the grading account {settings.account!r} does not exist",
                      f"as root: useradd --system --user-group --no-create-home --home-dir /nonexistent "
                      f"--shell /usr/sbin/nologin {settings.account}  (and, if you grade as yourself, "
                      f"the sudo rule in INSTRUCTORS.md)") from None
    if entry.pw_uid == 0 or entry.pw_uid == os.getuid():
        raise _refuse(f"the grading account {settings.account!r} is root or yourself",
                      "set c.GradingSandbox.account to an account used for nothing else")
    if os.geteuid() != 0:
        try:
            limit = int(Path("/proc/sys/user/max_user_namespaces").read_text())
        except (OSError, ValueError):
            limit = 0
        if limit == 0:
            raise _refuse("user namespaces are switched off (/proc/sys/user/max_user_namespaces is 0)",
                          "as root: sysctl -w user.max_user_namespaces=15000")
        if not os.access(settings.sudo, os.X_OK):
            raise _refuse(f"sudo is not installed ({settings.sudo} missing)", "as root: apt-get install sudo")
    return entry


# -- the kernel manager -------------------------------------------------------------------------------
class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel runs in the grading sandbox (see the module's doc)."""

    #: One smoke test per process and account: (account, as_root, paths) -> (error text or "",
    #: matplotlib's font list built in it or None).
    _smoke: dict = {}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.settings = GradingSandbox(parent=self)
        self.socket_dir: str | None = None
        self.sandboxed = False

    @property
    def kernel_spec(self):
        # Signals cannot reach a kernel that runs as another account: interrupt it with a message.
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    def _limits(self) -> dict:
        s = self.settings
        return {"memory": s.memory_limit, "cpu": s.cpu_limit, "wall": s.wall_limit,
                "fsize": s.file_size_limit, "nproc": s.max_processes, "tmp": s.tmp_size}

    def _make_socket_dir(self, entry: pwd.struct_passwd) -> str:
        """A fresh folder for the kernel's sockets that only we and the account may enter; the
        sockets the account makes in it inherit an entry that lets us connect (default ACL)."""
        path = tempfile.mkdtemp(prefix="initlab-kernel-")
        me = os.getuid()
        done = subprocess.run(
            [self.settings.setfacl, "-m", f"u:{entry.pw_uid}:rwx,m::rwx",
             "-d", "-m", f"u::rwx,u:{me}:rwx,u:{entry.pw_uid}:rwx,g::---,m::rwx,o::---", path],
            capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(path, ignore_errors=True)
            raise _refuse(f"cannot give the account access to {path} ({done.stderr.strip()}): "
                          "the file system of the temporary folder has no POSIX ACLs",
                          "point TMPDIR at a file system with ACLs (ext4, xfs, btrfs, tmpfs)")
        return path

    def _smoke_test(self, entry, read_only: list[str]) -> str | None:
        """Start the sandbox once (per process) with the kernel's Python importing ipykernel, so
        that a missing sudo rule or an unreadable environment is refused with its reason; build
        matplotlib's font list there (no student code has run yet). Returns that file, or None."""
        key = (entry.pw_name, os.geteuid() == 0, tuple(read_only))
        if key not in self._smoke:
            socket_dir = self._make_socket_dir(entry)
            fonts = self._make_socket_dir(entry)          # same access rules; kept for the process
            atexit.register(shutil.rmtree, fonts, True)
            try:
                cmd = [sys.executable, "-c", SMOKE, "-f", INNER_CONNECTION]
                argv = sandbox_argv(cmd, uid=entry.pw_uid, gid=entry.pw_gid, as_root=os.geteuid() == 0,
                                    read_only=read_only, socket_dir=socket_dir, limits=self._limits(),
                                    bwrap=self.settings.bwrap, sudo=self.settings.sudo, account=entry.pw_name,
                                    font_cache_dir=fonts)
                error = self._run_once(argv)
            finally:
                shutil.rmtree(socket_dir, ignore_errors=True)
            built = sorted(Path(fonts).glob("fontlist-v*.json"))
            self._smoke[key] = (error, str(built[-1]) if built else None)
        error, font_cache = self._smoke[key]
        if error:
            fix = ("check that the account can read the course's environment "
                   f"({', '.join(read_only)}: every folder on the way must be world-searchable)")
            if os.geteuid() != 0:
                fix += (f" and that you may start bwrap as it: the sudo rule "
                        f"`{pwd.getpwuid(os.getuid()).pw_name} ALL=({entry.pw_name}) NOPASSWD: "
                        f"{self.settings.bwrap}` (INSTRUCTORS.md)")
            raise _refuse(f"the sandbox failed to start: {error}", fix)
        return font_cache

    @staticmethod
    def _run_once(argv: list[str]) -> str:
        """Run ``argv`` with stdin open until it ends (closing it would end the sandbox early);
        return its error output if it failed, else ""."""
        with tempfile.TemporaryFile("w+") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=log, stderr=log, text=True, cwd="/")
            try:
                proc.stdin.write("{}\n")
                proc.stdin.flush()
                code = proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                return "the sandbox did not start within 120 s"
            finally:
                proc.stdin.close()
            log.seek(0)
            return "" if code == 0 else (log.read().strip()[-2000:] or f"exit status {code}")

    async def _async_pre_start_kernel(self, **kw):
        self.sandboxed = False
        try:
            entry = check_host(self.settings)
            read_only = environment_paths(self.settings.extra_read_only)
            self._font_cache = self._smoke_test(entry, read_only)
        except SandboxUnavailable as refusal:
            if not self.settings.allow_unsandboxed:
                raise
            self.log.warning("AUTOGRADE WITHOUT SANDBOX (%s): %s", OPT_OUT, refusal)
            return await super()._async_pre_start_kernel(**kw)
        self._entry, self._read_only = entry, read_only
        self.socket_dir = self._make_socket_dir(entry)
        self.transport = "ipc"
        self.ip = os.path.join(self.socket_dir, "kernel")
        self.sandboxed = True
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if not self.sandboxed:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        entry = self._entry
        argv = sandbox_argv(inner_kernel_cmd(kernel_cmd), uid=entry.pw_uid, gid=entry.pw_gid,
                            as_root=os.geteuid() == 0, read_only=self._read_only,
                            socket_dir=self.socket_dir, limits=self._limits(), bwrap=self.settings.bwrap,
                            sudo=self.settings.sudo, account=entry.pw_name, font_cache=self._font_cache)
        # The connection file (with the session key) reaches the sandbox on stdin only, and the pipe
        # stays open (self._lifeline) until the kernel is done with: see LIFELINE.
        with open(self.connection_file) as fh:
            line = json.dumps(json.load(fh)) + "\n"
        read_end, self._lifeline = os.pipe()
        try:
            os.write(self._lifeline, line.encode())
            kw.update(stdin=read_end, cwd="/", env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
            self.log.debug("Starting sandboxed kernel: %s", argv)
            return await super()._async_launch_kernel(argv, **kw)
        finally:
            os.close(read_end)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if getattr(self, "_lifeline", None) is not None:
            os.close(self._lifeline)           # ends the sandbox, whatever is still running in it
            self._lifeline = None
        if self.socket_dir and not restart:
            shutil.rmtree(self.socket_dir, ignore_errors=True)
            self.socket_dir = None


# -- the preprocessor ----------------------------------------------------------------------------------
class SandboxedExecute(Execute):
    """nbgrader's ``Execute``, with kernels from :class:`SandboxedKernelManager` and an output cap.

    Use it in place of ``Execute`` in ``Autograde.autograde_preprocessors`` (see
    :func:`autograde_preprocessors`).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)
        self._output_bytes = 0
        self._output_stopped = False
        self._kept_from = {}

    def preprocess(self, nb, resources=None, km=None):
        self._output_bytes = 0
        self._output_stopped = False
        self._kept_from = {}          # cell index -> where its outputs past the limit start
        self._output_limit = GradingSandbox(parent=self).output_limit
        return super().preprocess(nb, resources, km=km)

    def output(self, outs, msg, display_id, cell_index):
        """Keep outputs until the notebook's total passes the limit; then one note, and only what
        nbgrader grades by (``determine_grade``: an error or any stderr scores 0, an execute_result
        may be a partial score), cut short, so that a flood of output cannot change a grade."""
        self._output_bytes += len(json.dumps(msg.get("content", {}), default=str))
        if self._output_bytes <= self._output_limit:
            return super().output(outs, msg, display_id, cell_index)
        if not self._output_stopped:
            self._output_stopped = True
            # stdout: a note on stderr would itself score the cell 0
            outs.append(new_output("stream", name="stdout", text=(
                f"[initlab autograde: output over {self._output_limit} bytes; from here on only errors "
                "and results are kept, shortened]\n")))
        msg_type, content = msg["msg_type"], msg.get("content", {})
        # Past the limit, at most one output of each kind per cell: a flood of results would
        # otherwise grow nbgrader's memory and the autograded notebook without bound.
        kind = {"error": "error", "execute_result": "execute_result"}.get(msg_type)
        if kind and any(o.get("output_type") == kind for o in outs[self._kept_from.get(cell_index, len(outs)):]):
            return None
        self._kept_from.setdefault(cell_index, len(outs))
        if msg_type == "error":
            msg = dict(msg, content={"ename": str(content.get("ename", ""))[:200],
                                     "evalue": str(content.get("evalue", ""))[:1000],
                                     "traceback": [str(t)[:1000] for t in content.get("traceback", [])[-10:]]})
        elif msg_type == "stream" and content.get("name") == "stderr":
            if any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in outs):
                return None                      # one is enough for nbgrader's verdict
            msg = dict(msg, content={"name": "stderr", "text": str(content.get("text", ""))[:1000]})
        elif msg_type == "execute_result":
            text = str(content.get("data", {}).get("text/plain", ""))
            if len(text) > 10000:                # not a number: the verdict is the same
                text = "'[initlab autograde: result too long]'"
            msg = dict(msg, content={"data": {"text/plain": text}, "metadata": {},
                                     "execution_count": content.get("execution_count")})
        else:
            return None
        return super().output(outs, msg, display_id, cell_index)


    def handle_comm_msg(self, outs, msg, cell_index):
        """Widget messages count against the same limit; past it they are dropped (no grade
        depends on a widget), so widget state cannot grow nbgrader's memory without bound."""
        self._output_bytes += len(json.dumps(msg.get("content", {}), default=str)) + sum(
            len(b) for b in msg.get("buffers", []) or [])
        if self._output_bytes > self._output_limit:
            return None
        return super().handle_comm_msg(outs, msg, cell_index)


def autograde_preprocessors() -> list:
    """nbgrader's default autograde preprocessors with ``Execute`` replaced by the sandboxed one."""
    from nbgrader.converters import Autograde
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    return [SandboxedExecute if pp is Execute else pp for pp in default]
