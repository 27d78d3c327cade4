"""The engine's compiled SQL kept between runs (adapter: a file in the user's cache).

The command line, the ribbon's refresh and the Excel functions use it: each Excel session, and
each click on *Vernieuw analyse*, starts a Python of its own.

Compiling the analysis's Ibis expressions to DuckDB SQL, and importing Ibis to do it, takes about
two seconds; a command-line run is often not much longer than that. The SQL depends only on the
expressions (the source of :mod:`klant_xl.engine`) and on the Ibis and sqlglot versions, so it is
kept in one file per combination of those in the user's cache folder (``KLANT_XL_CACHE``, else
``%LOCALAPPDATA%\\klant_xl`` on Windows, ``$XDG_CACHE_HOME/klant_xl`` or ``~/.cache/klant_xl``).
A changed expression, a new Ibis or sqlglot gives another file name, so stale SQL is never used.
The cache is only a cache: a file that cannot be read or written is ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from klant_xl import engine
from klant_xl.file_locks import waiting_lock

__all__ = ["cache_file", "load", "load_once", "save", "save_new"]

logger = logging.getLogger(__name__)

#: The SQL of each shape this process read from the file, wrote to it or tried to (so that :func:`save_new`
#: costs nothing after a formula that compiled nothing new); a shape the engine compiled again because
#: DuckDB refused the kept SQL (a damaged entry) has other SQL now, and is saved.
_KEPT: dict = {}
_LOADED = False
#: How long a save waits for another run's save of the same cache folder (then it keeps nothing).
_LOCK_SECONDS = 2.0


def _folder() -> Path:
    configured = os.environ.get("KLANT_XL_CACHE")
    if configured:
        return Path(configured)
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "klant_xl"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "klant_xl"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "geen"


def cache_file() -> Path:
    """The file for this engine source and these Ibis and sqlglot versions."""
    digest = hashlib.sha256(Path(engine.__file__).read_bytes())
    digest.update(f"{_version('ibis-framework')} {_version('sqlglot')}".encode())
    return _folder() / f"sql-{digest.hexdigest()[:20]}.json"


def load() -> int:
    """Give the engine the SQL kept earlier; returns how many shapes were read (0 without a usable file).

    Never raises: the cache is only a cache, so whatever goes wrong (no home folder, an unreadable or
    damaged file) means no kept SQL, logged, not a failed formula or refresh.
    """
    try:
        queries = json.loads(cache_file().read_text(encoding="utf-8"))
        if not isinstance(queries, dict):
            return 0
        engine.remember_queries(queries)
        _KEPT.update((key, sql) for key, sql in queries.items() if isinstance(key, str))
        return len(queries)
    except OSError:  # no file yet (the first run) or no access: nothing to say
        return 0
    except Exception:  # noqa: BLE001 - RuntimeError without a home folder, a damaged file, ...
        logger.warning("SQL cache niet gelezen", exc_info=True)
        return 0


def load_once() -> int:
    """:func:`load` the first time this process asks (the Excel functions ask at every call)."""
    global _LOADED
    if _LOADED:
        return 0
    _LOADED = True
    return load()


def save_new() -> bool:
    """:func:`save` when the engine compiled a shape this process has not kept yet; else nothing (no file read)."""
    compiled = engine.compiled_queries()
    if _kept_already(compiled, _KEPT):
        return True
    saved = save()
    _KEPT.update(compiled)  # tried: a folder that cannot be written is not tried again after every formula
    return saved


def save() -> bool:
    """Keep the engine's compiled SQL (atomically: a reader never sees half a file); False when it could not.

    Never raises, as :func:`load`.
    """
    queries = engine.compiled_queries()
    if not queries:
        return False
    try:
        _write(cache_file(), queries)
    except Exception:  # noqa: BLE001 - OSError, RuntimeError without a home folder, ...: only a cache
        logger.warning("SQL cache niet bewaard", exc_info=True)
        return False
    _KEPT.update(queries)
    return True


def _kept_already(queries: dict, kept: dict) -> bool:
    """Whether ``kept`` holds every one of these shapes with this SQL."""
    return all(kept.get(key) == sql for key, sql in queries.items())


def _write(target: Path, queries: dict) -> None:
    """Add ``queries`` to the file; one run at a time (``.sql.lock``), or another run's new shapes,
    read before ours were written, would be lost. TimeoutError when another run holds the lock."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with waiting_lock(target.parent / ".sql.lock", _LOCK_SECONDS) as held:
        if not held:
            raise TimeoutError(f"een andere klant_xl houdt {target.parent / '.sql.lock'} vast")
        _merge(target, queries)


def _merge(target: Path, queries: dict) -> None:
    try:
        known = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    if _kept_already(queries, known):
        return
    handle, temporary = tempfile.mkstemp(prefix=".sql-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({**known, **queries}, out)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
