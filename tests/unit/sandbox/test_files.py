"""sandbox/files.py: secret files are 0600 from the moment they exist, and replaced atomically."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from sandbox.files import private_secret, write_private


@pytest.fixture
def open_umask():
    """umask 0: a file written first and restricted afterwards would be world-readable for a while."""
    old = os.umask(0)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_no_file_of_the_directory_is_ever_readable_by_others(tmp_path, open_umask):
    seen: set[int] = set()
    done = threading.Event()

    def watch():
        while not done.is_set():
            for entry in os.scandir(tmp_path):
                try:
                    seen.add(stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode))
                except FileNotFoundError:
                    pass  # a temporary file renamed meanwhile

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for number in range(60):
            write_private(tmp_path / f"secret-{number % 3}", os.urandom(256 * 1024))
    finally:
        done.set()
        watcher.join()
    assert seen == {0o600}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["secret-0", "secret-1", "secret-2"]


def test_an_existing_file_is_replaced_with_the_mode_asked_for(tmp_path, open_umask):
    target = tmp_path / "sub" / "key.pem"
    target.parent.mkdir()
    target.write_text("old")
    target.chmod(0o644)
    write_private(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o600
    write_private(target, b"public", 0o644)
    assert target.read_bytes() == b"public" and _mode(target) == 0o644


def test_a_secret_is_made_once_and_kept(tmp_path, open_umask):
    made = []

    def make():
        made.append(1)
        return f"secret-{len(made)}"

    path = tmp_path / "state" / "api-key"
    assert private_secret(path, make) == "secret-1"
    assert private_secret(path, make) == "secret-1"
    assert made == [1] and _mode(path) == 0o600
