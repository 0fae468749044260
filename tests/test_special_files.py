"""FIFOs, sockets and devices where files are expected: skipped or refused, never waited on.

The commands run as subprocesses with a timeout: a read that blocks fails the test instead of
hanging the suite.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from asynclint import api
from asynclint.config import Settings
from asynclint.reading import FileTooLarge, NotARegularFile, read_bytes

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")

SLEEPS = "import time\n\n\nasync def nap():\n    time.sleep(1)\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    (project / "app.py").write_text(SLEEPS, encoding="utf-8")
    return project


def asynclint(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asynclint", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("command", [["check"], ["check", "--format", "json"], ["routes"]])
def test_a_fifo_named_like_a_source_is_skipped_with_a_warning(
    root: Path, command: list[str]
) -> None:
    os.mkfifo(root / "x.py")
    done = asynclint(root, *command, "--no-cache", ".")
    assert done.returncode in (0, 1), done.stderr
    assert "x.py: skipped: not a regular file (FIFO)" in done.stderr
    assert "internal error" not in done.stderr
    if command == ["check"]:
        assert "app.py:5:5: AL251" in done.stdout


def test_a_socket_named_like_a_source_is_skipped(root: Path) -> None:
    # AF_UNIX paths are short: bind from inside the folder.
    server = socket.socket(socket.AF_UNIX)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        server.bind("sock.py")
    finally:
        os.chdir(cwd)
    try:
        done = asynclint(root, "check", "--no-cache", ".")
    finally:
        server.close()
    assert done.returncode == 1, done.stderr
    assert "sock.py: skipped: not a regular file (socket)" in done.stderr


def test_fifo_gitignore_config_and_baseline_do_not_block(root: Path) -> None:
    os.mkfifo(root / ".gitignore")
    os.mkfifo(root / "asynclint.toml")
    os.mkfifo(root / "baseline.json")
    done = asynclint(root, "check", "--no-cache", ".")
    assert done.returncode == 1
    assert ".gitignore: not used: not a regular file (FIFO)" in done.stderr
    done = asynclint(root, "check", "--no-cache", "--config", "asynclint.toml", ".")
    assert done.returncode == 2
    assert "asynclint.toml: not a regular file (FIFO)" in done.stderr
    done = asynclint(root, "check", "--no-cache", "--baseline", "baseline.json", ".")
    assert done.returncode == 2
    assert "baseline.json: not a regular file (FIFO)" in done.stderr


def test_a_source_swapped_for_a_fifo_after_discovery_is_al001(root: Path) -> None:
    """The check is made on the open descriptor, not only when the folder is listed."""
    os.mkfifo(root / "late.py")
    result: list[api._SourceFile] = []
    reader = threading.Thread(
        target=lambda: result.append(api._read(root / "late.py", Settings())), daemon=True
    )
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert result[0].data is None
    assert result[0].error == "cannot read file: not a regular file (FIFO)"


def test_read_bytes_refuses_devices_and_stops_at_its_bound(tmp_path: Path) -> None:
    with pytest.raises(NotARegularFile, match="character device"):
        read_bytes("/dev/zero")
    with pytest.raises(NotARegularFile, match="folder"):
        read_bytes(tmp_path)
    big = tmp_path / "big.py"
    big.write_bytes(b"x" * 1001)
    with pytest.raises(FileTooLarge) as error:
        read_bytes(big, limit=1000)
    assert error.value.size == 1001
    assert read_bytes(big, limit=1001) == b"x" * 1001
