"""The one switch for the tiers that change the machine (hub, hostile), and what they share.

They create Unix accounts and install the hub's environment under /opt, so the README's
test command runs them only when asked: ``INITLAB_CLASS_TESTS=1 python3 tasks.py test``
(``.ci/run`` sets it). Without it they are skipped with this reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from course_utils.settings import setting

SWITCH = "INITLAB_CLASS_TESTS"


def not_asked(tier: str) -> str | None:
    """The skip reason when the run did not ask for the tiers that create accounts, else None."""
    if setting(SWITCH):
        return None
    return (f"the {tier} tier creates Unix accounts and writes /opt/initlab-hub: "
            f"set {SWITCH}=1 to run it (as root on Linux; .ci/run does)")


@contextlib.contextmanager
def one_class_at_a_time(account_prefix: str):
    """Hold the machine-wide lock of the class whose accounts start with ``account_prefix``.

    Two runs with the same prefix would create and remove the same accounts; runs with
    different prefixes (tests/test_hub.py's INITLAB_HUB_ACCOUNT_PREFIX) go side by side.
    """
    with open(os.path.join(tempfile.gettempdir(), f"initlab-hub-test-{account_prefix}.lock"),
              "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def hub_environment(root: Path) -> Path:
    """Install (or reuse) the class's shared environment with tasks.py; return its prefix."""
    done = subprocess.run([sys.executable, str(root / "tasks.py"), "hub", "--setup-only"], cwd=root,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return setting("INITLAB_HUB_PREFIX")


def machine_refuses(tier: str, tools: tuple, account_prefix: str, prefix_variable: str) -> str | None:
    """Why this machine or run cannot host the ``tier``'s class, or None (the checks they share)."""
    if (reason := not_asked(tier)):
        return reason
    if not sys.platform.startswith("linux"):
        return f"the {tier} tier needs Linux (Unix accounts)"
    if os.geteuid() != 0:
        return f"the {tier} tier creates Unix accounts: run it as root (CI does)"
    for tool in tools:
        if shutil.which(tool) is None:
            return f"the {tier} tier needs {tool} (.ci/run installs it with apt-get)"
    if not setting("INITLAB_HUB_PYTHON").exists():
        return "the class's environment is built from /usr/bin/python3 (a Python every account can run)"
    if not (1 <= len(account_prefix) <= 20 and all(ch.isalnum() or ch in "-_" for ch in account_prefix)):
        return f"{prefix_variable} must be 1-20 letters, digits, - or _; got {account_prefix!r}"
    return None


def load_classroom(root: Path):
    """hub/classroom.py as a module (it is a script of the class kit, not an installed package)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("initlab_classroom", root / "hub" / "classroom.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
