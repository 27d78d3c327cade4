"""The file lock adapter on each platform: fcntl (Linux, macOS), msvcrt (Windows), none (Pyodide)."""

from __future__ import annotations

import os
import sys
import types

import pytest

from klant_xl.file_locks import try_lock, waiting_lock


class FakeMsvcrt(types.ModuleType):
    """Windows' msvcrt.locking as far as try_lock uses it: one byte at the file's position, refused when held."""

    LK_NBLCK = 2

    def __init__(self):
        super().__init__("msvcrt")
        self.held: set = set()
        self.calls: list = []

    def locking(self, fd, mode, nbytes):
        self.calls.append((mode, nbytes, os.lseek(fd, 0, os.SEEK_CUR)))
        key = os.fstat(fd).st_ino
        if key in self.held:
            raise PermissionError(13, "Permission denied")  # what Windows raises for a locked region
        self.held.add(key)


@pytest.fixture
def windows(monkeypatch):
    fake = FakeMsvcrt()
    monkeypatch.setitem(sys.modules, "fcntl", None)  # import fcntl raises ImportError, as on Windows
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    return fake


def test_on_windows_the_first_byte_is_locked_without_waiting(tmp_path, windows):
    path = tmp_path / ".lock"
    first = os.open(path, os.O_RDWR | os.O_CREAT)
    second = os.open(path, os.O_RDWR)
    try:
        assert try_lock(first) is True
        assert try_lock(second) is False  # another holder: refused at once, not an error
        assert windows.calls == [(FakeMsvcrt.LK_NBLCK, 1, 0)] * 2
    finally:
        os.close(first)
        os.close(second)


def test_on_windows_a_held_lock_is_waited_for_then_given_up(tmp_path, windows, monkeypatch):
    import klant_xl.file_locks as file_locks

    monkeypatch.setattr(file_locks, "_PAUSE", 0.01)
    path = tmp_path / ".lock"
    with waiting_lock(path, seconds=0.05) as held:
        assert held is True
        with waiting_lock(path, seconds=0.05) as again:
            assert again is False
    assert len(windows.calls) == 1 + 1 + 5  # the holder, then the waiter's first try and five more


def test_without_any_lock_module_every_lock_is_held(tmp_path, monkeypatch):
    # xlwings Lite (Pyodide) has neither fcntl nor msvcrt: one process, nothing to share a file with
    monkeypatch.setitem(sys.modules, "fcntl", None)
    monkeypatch.setitem(sys.modules, "msvcrt", None)
    fd = os.open(tmp_path / ".lock", os.O_RDWR | os.O_CREAT)
    try:
        assert try_lock(fd) is True and try_lock(fd) is True
    finally:
        os.close(fd)


def test_on_this_computer_a_second_open_file_does_not_get_the_lock(tmp_path):
    # the real lock of this platform (fcntl here; msvcrt locks per handle as well)
    path = tmp_path / ".lock"
    first = os.open(path, os.O_RDWR | os.O_CREAT)
    second = os.open(path, os.O_RDWR)
    try:
        assert try_lock(first) is True and try_lock(second) is False
    finally:
        os.close(first)
    try:
        assert try_lock(second) is True  # closing the holder released it
    finally:
        os.close(second)
