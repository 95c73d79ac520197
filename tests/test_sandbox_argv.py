"""The autograde sandbox's command line and refusals (hub/initlab_sandbox.py), without running it.

Fast and unprivileged (unit tier). The sandbox at work, as real Unix users against real
attacks: tests/test_hostile_sandbox.py.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("nbgrader", reason="nbgrader is missing: pip install -r requirements-instructor.txt")

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("initlab_sandbox", ROOT / "hub" / "initlab_sandbox.py")
sandbox = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("initlab_sandbox", sandbox)
_spec.loader.exec_module(sandbox)

KERNEL = ["/opt/x/venv/bin/python", "-m", "ipykernel_launcher", "-f", sandbox.INNER_CONNECTION]
LIMITS = {"memory": 3 << 30, "cpu": 900, "wall": 3600, "fsize": 64 << 20, "nproc": 256, "tmp": 256 << 20}
READ_ONLY = ["/opt/x/venv", "/srv/course_utils"]
SOCKETS = "/tmp/initlab-kernel-abc"


def argv(as_root: bool, **kw):
    args = dict(uid=990, gid=991, as_root=as_root, read_only=READ_ONLY, socket_dir=SOCKETS,
                limits=LIMITS, account="ilsb-grader")
    args.update(kw)
    return sandbox.sandbox_argv(KERNEL, **args)


def options(args: list[str], name: str, width: int) -> list[tuple]:
    """Every occurrence of option ``name`` with its ``width`` arguments."""
    return [tuple(args[i + 1:i + 1 + width]) for i, a in enumerate(args) if a == name]


def bwrap_part(args: list[str]) -> list[str]:
    """The bwrap options, up to its ``--``."""
    start = args.index("/usr/bin/bwrap")
    return args[start:args.index("--", start)]


@pytest.mark.parametrize("as_root", [False, True])
def test_namespaces_and_lifetime(as_root):
    b = bwrap_part(argv(as_root))
    for flag in ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                 "--die-with-parent", "--new-session", "--clearenv"):
        assert flag in b, flag
    assert options(b, "--remount-ro", 1) == [("/",)]


@pytest.mark.parametrize("as_root", [False, True])
def test_reads_only_the_system_and_the_course_environment(as_root):
    b = bwrap_part(argv(as_root))
    ro = {src for src, dest in options(b, "--ro-bind", 2)}
    ro_try = {src for src, dest in options(b, "--ro-bind-try", 2)}
    assert ro == {"/usr", *READ_ONLY}
    assert ro_try == {"/etc/ld.so.cache", "/etc/localtime", "/etc/fonts"}
    for src, dest in options(b, "--ro-bind", 2) + options(b, "--bind", 2):
        assert src == dest
    # The one writable host folder is the kernel's socket folder (made fresh per kernel).
    assert options(b, "--bind", 2) == [(SOCKETS, SOCKETS)]
    assert not [a for a in b if a in ("--bind-try", "--dev-bind", "--dev-bind-try")]
    assert ("/usr/local",) in options(b, "--tmpfs", 1)          # hidden, may hold anything


@pytest.mark.parametrize("as_root", [False, True])
def test_private_size_limited_tmp_and_home_under_the_socket_bind(as_root):
    b = bwrap_part(argv(as_root))
    for dest in ("/tmp", sandbox.INNER_HOME):
        i = b.index(dest, b.index("--tmpfs") - 1)
        assert b[i - 1] == "--tmpfs" and b[i - 3:i - 1] == ["--size", str(LIMITS["tmp"])], (dest, b[i - 5:i])
    # the socket folder lives under /tmp: bound after the tmpfs, else the tmpfs would hide it
    tmp_at = b.index("/tmp")
    assert b.index(SOCKETS) > tmp_at


@pytest.mark.parametrize("as_root", [False, True])
def test_connection_file_comes_on_stdin_only_and_stdin_is_the_lifeline(as_root):
    a = argv(as_root)
    b = bwrap_part(a)
    # no file of the host carries the key into the sandbox: it is written from stdin to a tmpfs
    assert ("/run/initlab",) in options(b, "--tmpfs", 1)
    assert not [x for x in b if x in ("--ro-bind-data", "--bind-data", "--file")]
    sh = a.index("/bin/sh")
    assert a[sh:sh + 3] == ["/bin/sh", "-c", sandbox.LIFELINE]
    assert f"read -r c && printf \"%s\\n\" \"$c\" > {sandbox.INNER_CONNECTION}" in sandbox.LIFELINE
    assert "cat <&3 >/dev/null; kill -KILL $k" in sandbox.LIFELINE and "umask 007" in sandbox.LIFELINE


def test_lifeline_script_ends_the_kernel_when_stdin_closes(tmp_path):
    """The sandbox's first process, run here without the sandbox: the connection line lands in
    the file, the command runs, and closing stdin ends it (and with it the pid namespace)."""
    import subprocess
    import time
    target = tmp_path / "kernel.json"
    script = sandbox.LIFELINE.replace(sandbox.INNER_CONNECTION, str(target))
    proc = subprocess.Popen(["/bin/sh", "-c", script, "/bin/sleep", "60"], stdin=subprocess.PIPE)
    proc.stdin.write(b'{"key": "k"}\n')
    proc.stdin.flush()
    for _ in range(50):
        if target.exists() and target.read_text():
            break
        time.sleep(0.1)
    assert target.read_text() == '{"key": "k"}\n'
    assert oct(target.stat().st_mode & 0o777) == oct(0o600)
    assert proc.poll() is None
    proc.stdin.close()
    # Closed stdin ends the helper (a hang would raise TimeoutExpired, not slowness).
    assert proc.wait(timeout=30) != 0


def test_font_cache_is_read_only_in_kernels_and_writable_only_for_the_smoke_test():
    cache = "/tmp/initlab-kernel-fonts/fontlist-v390.json"
    b = bwrap_part(argv(False, font_cache=cache))
    mpl = sandbox.INNER_HOME + "/.cache/matplotlib"
    assert (cache, f"{mpl}/fontlist-v390.json") in options(b, "--ro-bind", 2)
    assert options(b, "--bind", 2) == [(SOCKETS, SOCKETS)]
    b = bwrap_part(argv(False, font_cache_dir="/tmp/initlab-kernel-fonts"))
    assert ("/tmp/initlab-kernel-fonts", mpl) in options(b, "--bind", 2)


def test_as_the_instructor_sudo_starts_bwrap_as_the_account():
    a = argv(False)
    assert a[:5] == ["/usr/bin/sudo", "--non-interactive", "--user", "ilsb-grader", "--"]
    assert a[5] == "/usr/bin/bwrap"
    assert "/usr/bin/setpriv" not in a


def test_as_root_setpriv_drops_to_the_account_inside_before_anything_runs():
    a = argv(True)
    assert a[0] == "/usr/bin/bwrap" and "/usr/bin/sudo" not in a
    tail = a[a.index("--", a.index("/usr/bin/bwrap")) + 1:]
    assert tail[:5] == ["/usr/bin/setpriv", "--reuid=990", "--regid=991", "--clear-groups",
                        "--inh-caps=-all"]
    assert "--no-new-privs" in tail[:tail.index("/usr/bin/prlimit")]


@pytest.mark.parametrize("as_root", [False, True])
def test_limits_then_umask_then_wall_clock_then_the_kernel(as_root):
    a = argv(as_root)
    p = a.index("/usr/bin/prlimit")
    assert a[p:p + 8] == ["/usr/bin/prlimit", f"--as={3 << 30}", "--cpu=900", f"--fsize={64 << 20}",
                          "--nproc=256", "--core=0", "--", "/bin/sh"]
    t = a.index("/usr/bin/timeout")
    assert a[t:t + 3] == ["/usr/bin/timeout", "--signal=KILL", "3600"]
    assert a[t + 3:] == KERNEL


@pytest.mark.parametrize("key", sorted(LIMITS))
@pytest.mark.parametrize("bad", [0, -1, "10", None])
def test_bad_limits_are_refused_by_name(key, bad):
    with pytest.raises(ValueError, match=rf"limits\['{key}'\] must be a positive integer"):
        argv(False, limits=dict(LIMITS, **{key: bad}))


def test_relative_socket_dir_is_refused():
    with pytest.raises(ValueError, match="socket_dir must be an absolute path"):
        argv(False, socket_dir="tmp/k")


def test_inner_kernel_cmd_points_the_kernel_at_the_inner_connection_file():
    cmd = ["python", "-m", "ipykernel_launcher", "-f", "/home/t/.local/share/jupyter/runtime/k.json", "--x"]
    assert sandbox.inner_kernel_cmd(cmd) == cmd[:4] + [sandbox.INNER_CONNECTION, "--x"]
    with pytest.raises(ValueError, match="no connection file argument"):
        sandbox.inner_kernel_cmd(["python", "-m", "ipykernel_launcher"])


def test_environment_paths_are_this_python_and_course_utils_without_usr():
    paths = sandbox.environment_paths()
    assert os.path.realpath(sys.prefix) in paths or any(
        os.path.realpath(sys.prefix).startswith(p + "/") for p in paths)
    import course_utils
    package = os.path.dirname(os.path.realpath(course_utils.__file__))
    assert any(package == p or package.startswith(p + "/") for p in paths)
    assert not [p for p in paths if p == "/usr" or (p.startswith("/usr/") and not p.startswith("/usr/local"))]
    for p in paths:        # no path inside another
        assert not [q for q in paths if q != p and q.startswith(p + "/")]


def test_refuses_off_linux_and_names_the_opt_out(monkeypatch):
    monkeypatch.setattr(sandbox.sys, "platform", "darwin")
    with pytest.raises(sandbox.SandboxUnavailable) as refused:
        sandbox.check_host(sandbox.GradingSandbox())
    text = str(refused.value)
    assert "needs Linux" in text and "darwin" in text
    assert sandbox.OPT_OUT in text and "To grade safely" in text


def test_refuses_without_bwrap_or_account():
    settings = sandbox.GradingSandbox(bwrap="/nonexistent/bwrap")
    with pytest.raises(sandbox.SandboxUnavailable, match="bubblewrap is not installed"):
        sandbox.check_host(settings)
    if not os.access("/usr/bin/bwrap", os.X_OK) or not os.access("/usr/bin/setfacl", os.X_OK):
        pytest.skip("bubblewrap or setfacl not installed: the account check comes after them")
    with pytest.raises(sandbox.SandboxUnavailable, match="'ilsb-no-such-account' does not exist"):
        sandbox.check_host(sandbox.GradingSandbox(account="ilsb-no-such-account"))


def test_kernel_manager_refuses_unless_opted_out(tmp_path, monkeypatch):
    """No kernel is launched: pre-start alone either refuses or (opted out) prepares a plain one."""
    from traitlets.config import Config
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    config = Config()
    config.GradingSandbox.account = "ilsb-no-such-account"
    km = sandbox.SandboxedKernelManager(config=config)
    with pytest.raises(sandbox.SandboxUnavailable, match="will not autograde outside its sandbox"):
        asyncio.run(km._async_pre_start_kernel())
    config.GradingSandbox.allow_unsandboxed = True
    km = sandbox.SandboxedKernelManager(config=config)
    cmd, _ = asyncio.run(km._async_pre_start_kernel())
    try:
        assert km.sandboxed is False and km.transport == "tcp"
        assert "/usr/bin/bwrap" not in cmd and "/usr/bin/sudo" not in cmd
    finally:
        km.cleanup_connection_file()


def test_kernel_spec_interrupts_by_message():
    km = sandbox.SandboxedKernelManager(kernel_name="python3")
    assert km.kernel_spec.interrupt_mode == "message"


def _msg(msg_type, **content):
    return {"msg_type": msg_type, "header": {"msg_type": msg_type}, "parent_header": {"msg_id": "m"},
            "content": content}


def capped_execute(limit: int):
    ep = sandbox.SandboxedExecute()
    ep._output_bytes, ep._output_stopped, ep._output_limit = 0, False, limit
    ep.clear_before_next_output = False          # set by nbclient when a cell starts
    return ep


def test_output_is_cut_at_the_limit_with_one_note():
    ep, outs = capped_execute(1000), []
    for _ in range(3):
        ep.output(outs, _msg("stream", name="stdout", text="x" * 300), None, 0)
    assert sum(len(o["text"]) for o in outs) == 900
    for text in ("y" * 300, "z" * 300):
        ep.output(outs, _msg("stream", name="stdout", text=text), None, 0)
        ep.output(outs, _msg("display_data", data={"image/png": "A" * 5000}, metadata={}), None, 0)
    notes = [o for o in outs if "output over 1000 bytes" in o.get("text", "")]
    assert len(notes) == 1 and notes[0]["name"] == "stdout"     # a stderr note would score 0
    assert not [o for o in outs if "yyy" in o.get("text", "") or "zzz" in o.get("text", "")]
    assert not [o for o in outs if o["output_type"] == "display_data"]


def test_after_the_cap_what_nbgrader_grades_by_is_kept_so_no_grade_changes():
    """A flood first, then a failing test: its error (and stderr, and a partial-credit result)
    must still reach the cell, else nbgrader's determine_grade would give full points."""
    from nbformat.v4 import new_code_cell
    from nbgrader.utils import determine_grade
    ep, flood = capped_execute(1000), []
    ep.output(flood, _msg("stream", name="stdout", text="x" * 5000), None, 0)

    def graded(*msgs):
        cell = new_code_cell("assert f(2) == 4")
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 2, "grade_id": "t",
                                     "locked": True, "schema_version": 3}
        for m in msgs:
            ep.output(cell.outputs, m, None, 1)
        return determine_grade(cell)[0], cell.outputs

    score, outs = graded(_msg("error", ename="AssertionError", evalue="e" * 9000,
                              traceback=["line"] * 500))
    assert score == 0 and outs[0]["output_type"] == "error"
    assert len(outs[0]["evalue"]) == 1000 and len(outs[0]["traceback"]) == 10
    score, outs = graded(*[_msg("stream", name="stderr", text="warning " * 500)] * 50)
    assert score == 0 and len(outs) == 1 and len(outs[0]["text"]) == 1000
    score, _ = graded(_msg("execute_result", data={"text/plain": "0.5", "text/html": "<b>"}, metadata={},
                           execution_count=1))
    assert score == 0.5                         # the result's value, as without the cap
    score, _ = graded(_msg("stream", name="stdout", text="fine"))
    assert score == 2.0


def test_after_the_cap_a_flood_of_results_or_errors_keeps_one_of_each_per_cell():
    # The half-hour attack: print past the limit, then ip.displayhook(...) in a loop; every kept
    # result grew nbgrader's memory and the autograded notebook (118 MB for one cell).
    ep, outs = capped_execute(1000), []
    ep.output(outs, _msg("stream", name="stdout", text="x" * 5000), None, 0)
    for i in range(500):
        ep.output(outs, _msg("execute_result", data={"text/plain": "y" * 9990}, metadata={},
                             execution_count=i), None, 0)
        ep.output(outs, _msg("error", ename="E", evalue=str(i), traceback=[]), None, 0)
    kinds = [o["output_type"] for o in outs]
    assert kinds.count("execute_result") == 1 and kinds.count("error") == 1
    assert len(outs) <= 4                       # the print, the note, one result, one error


def test_the_course_config_autogrades_with_the_sandboxed_execute():
    from nbgrader.preprocessors import Execute
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    pps = config.Autograde.autograde_preprocessors
    assert [pp.__name__ for pp in pps].count("SandboxedExecute") == 1
    assert Execute not in pps
    assert "allow_unsandboxed" not in config.GradingSandbox        # the default: refuse
