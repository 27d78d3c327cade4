"""Locks on files between klant_xl runs (adapter): the operating system's lock on an open file.

:func:`try_lock` takes the lock of an open file without waiting (``fcntl.flock`` on Linux and
macOS, ``msvcrt.locking`` on Windows); :func:`waiting_lock` waits a little for it. The operating
system releases a lock when its holder closes the file or is killed, so a crashed run never
leaves a lock behind. Where neither exists (xlwings Lite in Pyodide: one process, nothing to
share a file with) every lock is held at once.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path

__all__ = ["try_lock", "waiting_lock"]

#: How long :func:`waiting_lock` tries, between attempts.
_PAUSE = 0.05


def try_lock(fd: int) -> bool:
    """Take the exclusive lock of the open file ``fd`` now; False when another holds it."""
    try:
        import fcntl
    except ImportError:
        try:
            import msvcrt
        except ImportError:  # Pyodide: no other process
            return True
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextmanager
def waiting_lock(lock, seconds: float = 2.0):
    """Hold the lock file ``lock`` for the ``with`` block, waiting up to ``seconds`` for another holder.

    Yields True when held, False when another run kept it all that time (the caller decides what
    to do without it). The file stays: removing it would let a third run lock a new file while a
    second still waits on the old one.

    Raises
    ------
    OSError
        When the lock file cannot be opened (a folder without write permission).
    """
    fd = os.open(Path(lock), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        held = try_lock(fd)
        for _attempt in range(max(0, round(seconds / _PAUSE))):
            if held:
                break
            time.sleep(_PAUSE)
            held = try_lock(fd)
        yield held
    finally:
        os.close(fd)  # releases the lock
