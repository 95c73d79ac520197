"""The web build unpacks npm tarballs safely on every Python the README names.

``tarfile``'s ``filter="data"`` exists only from Python 3.11.4 (Debian 12's python3 is
3.11.2), so ``web/build.py`` checks the members itself. These tests feed it archives with
each kind of hostile member, with and without the filter available.
"""

from __future__ import annotations

import importlib.util
import io
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("web_build", ROOT / "web" / "build.py")
build = importlib.util.module_from_spec(_spec)
sys.modules["web_build"] = build
_spec.loader.exec_module(build)


def archive(path: Path, *members: tarfile.TarInfo) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            data = b"x" * member.size if member.isfile() else None
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
    return path


def entry(name: str, kind=tarfile.REGTYPE, size: int = 3, **fields) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.size = kind, (size if kind == tarfile.REGTYPE else 0)
    for key, value in fields.items():
        setattr(info, key, value)
    return info


@pytest.fixture(params=["with filter", "without filter"])
def python(request, monkeypatch):
    if request.param == "without filter":
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    return request.param


def test_a_plain_package_unpacks(tmp_path, python):
    tgz = archive(tmp_path / "ok.tgz", entry("package", tarfile.DIRTYPE, mode=0o755),
                  entry("package/a.js", mode=0o4777))
    with tarfile.open(tgz) as tar:
        build.safe_extract(tar, tmp_path / "out")
    unpacked = tmp_path / "out" / "package" / "a.js"
    assert unpacked.read_bytes() == b"xxx"
    assert unpacked.stat().st_mode & 0o7777 == 0o755          # no set-uid, no write for others


@pytest.mark.parametrize("bad", [
    entry("../evil.js"), entry("/tmp/evil.js"), entry("package/../../evil.js"),
    entry("package/link", tarfile.SYMTYPE, linkname="/etc/passwd"),
    entry("package/hard", tarfile.LNKTYPE, linkname="package/a.js"),
    entry("package/fifo", tarfile.FIFOTYPE), entry("package/dev", tarfile.CHRTYPE),
], ids=["parent", "absolute", "climbs", "symlink", "hardlink", "fifo", "device"])
def test_a_hostile_member_stops_the_build_before_anything_is_written(tmp_path, python, bad):
    tgz = archive(tmp_path / "bad.tgz", entry("package/a.js"), bad)
    with tarfile.open(tgz) as tar, pytest.raises(build.BuildError, match=r"lies outside|link or a special"):
        build.safe_extract(tar, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "evil.js").exists()
