"""Safe workbook file handling: atomic writes and the Excel lock-file check.

A refresh, a purge or a shared copy must never leave a half-written workbook
behind: :func:`atomic_write` writes to a temporary file in the same folder and
renames it over the target only when the write succeeded, so on any failure
the original file is byte-identical. :func:`refuse_if_open` refuses to touch a
workbook that Excel has open (Excel keeps a lock file ``~$<name>`` beside it).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from klant_xl.errors import WerkmapFout

__all__ = ["atomic_write", "lock_file", "refuse_if_open"]


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
    fd, tmp_name = tempfile.mkstemp(prefix=".~klant_xl-", suffix=path.suffix, dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        result = write_fn(tmp)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise WerkmapFout(f"Er is niets geschreven naar '{path.name}'; het bestand is niet gewijzigd.")
        if path.exists():
            try:
                os.chmod(tmp, path.stat().st_mode & 0o7777)
            except OSError:  # pragma: no cover - best effort
                pass
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
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
