"""Safe workbook file handling: atomic writes, locks, read-only and existing files.

A refresh, a purge or a shared copy must never leave a half-written workbook
behind: :func:`atomic_write` writes to a temporary file in the same folder and
renames it over the target only when the write succeeded, so on any failure
the original file is byte-identical and the temporary file is gone. A run
that is killed (no clean-up possible) leaves its temporary file behind; the
next run on the same workbook removes it (:func:`remove_stale_temp_files`,
called by :func:`workbook_lock`).

- :func:`refuse_if_open` refuses a workbook that Excel has open (Excel keeps a
  lock file ``~$<name>`` beside it);
- :func:`workbook_lock` is klant_xl's own lock beside the workbook
  (``.~klant_xl-slot-<name>``), taken before reading and released after the
  rename by every command that writes the workbook (vernieuwen, opschonen,
  delen), so a second run at the same time is refused instead of undoing the
  first. The operating system releases the lock when a run is killed;
- :func:`refuse_read_only` refuses a file without write permission (or with
  the Windows read-only attribute): it is never replaced;
- :func:`refuse_existing` refuses to overwrite an existing file unless asked
  (``--overschrijven``).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable

from klant_xl.errors import InvoerFout, WerkmapFout
from klant_xl.file_locks import try_lock

__all__ = [
    "LOCK_PREFIX",
    "TEMP_PREFIX",
    "atomic_write",
    "disk_error_message",
    "lock_file",
    "refuse_existing",
    "refuse_if_open",
    "refuse_read_only",
    "remove_stale_temp_files",
    "save_openpyxl",
    "workbook_lock",
]

#: Temporary files of :func:`atomic_write`: ``.~klant_xl-<name>-<random><suffix>`` beside the target.
TEMP_PREFIX = ".~klant_xl-"
#: klant_xl's own lock file beside a workbook: ``.~klant_xl-slot-<name>``.
LOCK_PREFIX = ".~klant_xl-slot-"
_FILE_ATTRIBUTE_READONLY = 0x1
_DISK_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def lock_file(path) -> Path:
    """Return the path of the lock file Excel creates beside an open workbook.

    Excel names it ``~$`` followed by the file name; for names longer than
    about 8 characters some versions drop the first two characters of the name
    (``~$antanalyse.xlsm``), so :func:`refuse_if_open` checks both forms.

    >>> lock_file("map/klanten.xlsm").name
    '~$klanten.xlsm'
    """
    path = Path(path)
    return path.with_name("~$" + path.name)


def _lock_candidates(path: Path) -> list[Path]:
    names = ["~$" + path.name]
    if len(path.stem) > 7:
        names.append("~$" + path.name[2:])
    return [path.with_name(n) for n in names]


def refuse_if_open(path) -> None:
    """Raise :class:`~klant_xl.errors.WerkmapFout` when Excel has ``path`` open.

    Parameters
    ----------
    path : str or os.PathLike
        The workbook file.

    Raises
    ------
    WerkmapFout
        With a Dutch message naming the file and the lock file found.
    """
    path = Path(path)
    for candidate in _lock_candidates(path):
        if candidate.exists():
            raise WerkmapFout(
                f"De werkmap '{path.name}' is geopend in Excel (vergrendelbestand "
                f"'{candidate.name}' gevonden). Sluit de werkmap in Excel en probeer "
                "het opnieuw, of gebruik in Excel de knop 'Vernieuw analyse'."
            )


def atomic_write(path, write_fn: Callable[[Path], object]):
    """Write ``path`` through a temporary file in the same folder, then rename.

    Parameters
    ----------
    path : str or os.PathLike
        The file to create or replace.
    write_fn : callable
        Called with the temporary path (same folder, same suffix); it must write
        the complete file there. Its return value is returned.

    Notes
    -----
    If ``write_fn`` raises, or writes nothing, the temporary file is removed
    and the original file (if any) is left byte-identical. The final step is
    :func:`os.replace`, which is atomic on one file system. Permissions of an
    existing target are copied onto the new file.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = atomic_write(d / "a.txt", lambda p: p.write_text("hallo"))
    >>> (d / "a.txt").read_text()
    'hallo'
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists():
        refuse_read_only(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}-", suffix=path.suffix, dir=folder)
    except OSError as exc:
        raise WerkmapFout(disk_error_message(path, exc)) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            result = write_fn(tmp)
        except OSError as exc:
            raise WerkmapFout(disk_error_message(path, exc)) from None
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise WerkmapFout(f"Er is niets geschreven naar '{path.name}'; het bestand is niet gewijzigd.")
        if path.exists():
            try:
                os.chmod(tmp, path.stat().st_mode & 0o7777)
            except OSError:  # pragma: no cover - best effort
                pass
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise WerkmapFout(disk_error_message(path, exc)) from None
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    return result


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def disk_error_message(path, exc: OSError) -> str:
    """The Dutch message for a write that failed (full disk, no permission, ...); the file is unchanged."""
    name = Path(path).name
    if exc.errno in _DISK_FULL:
        return (f"De schijf is vol (of het bestand wordt te groot): '{name}' kon niet geschreven worden. "
                "Het bestand is niet gewijzigd. Maak ruimte vrij en probeer het opnieuw.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"Geen toestemming om '{name}' te schrijven in de map '{Path(path).parent}'. "
                "Het bestand is niet gewijzigd.")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return (f"De map '{Path(path).parent}' bestaat niet: '{name}' kon niet geschreven worden. Maak de map "
                "eerst aan of kies een andere plek.")
    if exc.errno == errno.ENAMETOOLONG:
        return f"De naam '{name}' is te lang voor deze schijf; kies een kortere naam."
    if exc.errno == errno.EINVAL:
        return f"'{name}' is geen geldige bestandsnaam op deze schijf (tekens als : * ? \" < > |); kies een andere naam."
    return f"'{name}' kon niet geschreven worden ({exc.strerror or exc}); het bestand is niet gewijzigd."


def refuse_read_only(path) -> None:
    """Raise :class:`WerkmapFout` when ``path`` is read-only (no write bit, or the Windows attribute).

    A read-only file is never replaced, even though the folder would allow the rename.
    """
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    read_only = not info.st_mode & stat.S_IWUSR or not os.access(path, os.W_OK)
    read_only = read_only or bool(getattr(info, "st_file_attributes", 0) & _FILE_ATTRIBUTE_READONLY)
    if read_only:
        raise WerkmapFout(
            f"'{path.name}' is alleen-lezen; klant_xl vervangt een alleen-lezen bestand nooit. Het bestand is "
            "niet gewijzigd. Haal het vinkje 'Alleen-lezen' weg (Eigenschappen van het bestand) of werk in een "
            "kopie, en probeer het opnieuw."
        )


def refuse_existing(path, overwrite: bool = False, option: str = "--overschrijven") -> None:
    """Raise :class:`WerkmapFout` when ``path`` exists and ``overwrite`` is not set, or its folder does not
    exist (said before any work, not after the analysis)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise WerkmapFout(disk_error_message(path, FileNotFoundError(errno.ENOENT, "", str(path))))
    if path.exists() and not overwrite:
        raise WerkmapFout(
            f"'{path}' bestaat al en wordt niet overschreven. Kies een andere naam, of gebruik {option} "
            "als je het bestaande bestand echt wilt vervangen."
        )
    if path.exists():
        refuse_read_only(path)


def _temp_name_re(path: Path) -> re.Pattern:
    return re.compile(re.escape(TEMP_PREFIX + path.name) + r"-[A-Za-z0-9_]{6,12}" + re.escape(path.suffix) + "$")


def remove_stale_temp_files(path) -> list[Path]:
    """Remove temporary files a killed run left beside ``path`` (its own and those of its backups).

    Only call this while holding :func:`workbook_lock` for ``path``: then no other run is writing them.
    Returns the files removed.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    backup_stem = re.escape(TEMP_PREFIX + path.stem + " (backup voor opschonen ")
    patterns = [_temp_name_re(path), re.compile(backup_stem + r".*-[A-Za-z0-9_]{6,12}" + re.escape(path.suffix) + "$")]
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if entry.name.startswith(TEMP_PREFIX) and not entry.name.startswith(LOCK_PREFIX) and \
                any(p.match(entry.name) for p in patterns):
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:  # pragma: no cover - best effort
                pass
    return removed


def _lock_holder(lock: Path) -> str:
    try:
        text = lock.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return f" ({text})" if text else ""


@contextmanager
def workbook_lock(path, action: str = "bewerken"):
    """Hold klant_xl's lock on the workbook ``path`` for the duration of the ``with`` block.

    Parameters
    ----------
    path : path-like
        The workbook.
    action : str
        What this run does, in Dutch (shown to a second run that is refused).

    Raises
    ------
    WerkmapFout
        When another klant_xl run holds the lock (a Dutch message naming it and the lock file),
        or the folder does not allow the lock file.
    """
    path = Path(path)
    lock = path.with_name(LOCK_PREFIX + path.name)
    fd = None
    for _attempt in range(5):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise WerkmapFout(disk_error_message(path, exc)) from None
        if not try_lock(fd):
            os.close(fd)
            raise WerkmapFout(
                f"De werkmap '{path.name}' wordt al door klant_xl bewerkt{_lock_holder(lock)}. Wacht tot die "
                f"opdracht klaar is en probeer het dan opnieuw (vergrendelbestand '{lock.name}')."
            )
        try:
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the previous holder removed the file between our open and lock: take a fresh one
        fd = None
    if fd is None:  # pragma: no cover - five races in a row
        raise WerkmapFout(f"De werkmap '{path.name}' wordt al door klant_xl bewerkt; probeer het opnieuw.")
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{action}, proces {os.getpid()}, sinds {datetime.now():%d-%m-%Y %H:%M:%S}".encode())
    except OSError:  # pragma: no cover - the lock itself holds
        pass
    try:
        remove_stale_temp_files(path)
        yield lock
    finally:
        if os.name == "nt":  # pragma: no cover - Windows cannot remove an open file
            os.close(fd)
            try:
                lock.unlink()
            except OSError:
                pass
        else:
            try:
                lock.unlink()  # before closing: a waiting run then sees a fresh file, not ours
            except OSError:
                pass
            os.close(fd)


def save_openpyxl(workbook, path) -> None:
    """``workbook.save(path)`` that closes the zip file also when writing fails.

    openpyxl leaves its ``ZipFile`` open when a write fails (a full disk); its
    ``__del__`` then tries again later and prints a second error after the
    Dutch message. Here the archive is closed (and its error swallowed) before
    the first error goes on.
    """
    import datetime as _dt
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    if workbook.write_only and not workbook.worksheets:  # as Workbook.save does
        workbook.create_sheet()
    archive = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    try:
        workbook.properties.modified = _dt.datetime.now(tz=_dt.timezone.utc).replace(tzinfo=None)
        ExcelWriter(workbook, archive).write_data()
    except BaseException:
        try:
            archive.close()
        except Exception:  # noqa: BLE001 - the first error is the one to report
            pass
        raise
    archive.close()


def write_table_file(table, path) -> Path:
    """A table as ``.parquet`` or ``.csv`` (``;``, decimal comma, UTF-8 with BOM), written atomically.

    For the full Klanten table, also beyond Excel's 1,048,575 rows (``--klanten PAD``, and beside a
    workbook whose Klanten sheet cannot hold every customer).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise InvoerFout(f"Klantentabel '{path}': kies een bestandsnaam op .parquet of .csv.")
    if target.is_dir():
        raise WerkmapFout(f"Klantentabel '{target}' is een map; kies een andere naam of verwijder de map.")
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", suffix=suffix)
        os.close(handle)
        if suffix == ".parquet":
            table.to_parquet(temporary, index=False)
        else:
            table.to_csv(temporary, index=False, sep=";", decimal=",", encoding="utf-8-sig")
        os.replace(temporary, target)
    except OSError as exc:  # a full disk, a folder without write permission: named as the file the user knows
        raise WerkmapFout(disk_error_message(target, exc)) from None
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
    return target

