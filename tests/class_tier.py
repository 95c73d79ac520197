"""The one switch for the tiers that change the machine (hub, hostile).

They create Unix accounts and install the hub's environment under /opt, so the README's
test command runs them only when asked: ``INITLAB_CLASS_TESTS=1 python3 tasks.py test``
(``.ci/run`` sets it). Without it they are skipped with this reason.
"""

from __future__ import annotations

import os

SWITCH = "INITLAB_CLASS_TESTS"


def not_asked(tier: str) -> str | None:
    """The skip reason when the run did not ask for the tiers that create accounts, else None."""
    if os.environ.get(SWITCH) == "1":
        return None
    return (f"the {tier} tier creates Unix accounts and writes /opt/initlab-hub: "
            f"set {SWITCH}=1 to run it (as root on Linux; .ci/run does)")
