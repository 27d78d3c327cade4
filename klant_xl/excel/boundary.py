"""The one error boundary of the shells: every error becomes a Dutch message, never a traceback.

:func:`klant_xl.cli.main` and :func:`klant_xl.main` (the ribbon button) end here. A
:class:`~klant_xl.errors.KlantXLError` already carries its Dutch message; anything else is
unexpected: its traceback goes to a log file (:func:`error_log_path`) and the user gets a
Dutch message that points to that file.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import traceback
from pathlib import Path

from klant_xl.errors import KlantXLError

__all__ = ["ERROR_LOG_ENV", "error_log_path", "message_for", "write_error_log"]

#: Environment variable that sets the log file, or the folder it goes in (default: ``klant_xl-fouten.log``
#: in the home folder, else in the temporary folder).
ERROR_LOG_ENV = "KLANT_XL_FOUTENLOG"


def error_log_path() -> Path:
    """Where the traceback of an unexpected error is written."""
    configured = os.environ.get(ERROR_LOG_ENV)
    if configured:
        path = Path(configured)
        return path / "klant_xl-fouten.log" if path.is_dir() else path
    home = Path.home()
    folder = home if home.is_dir() and os.access(home, os.W_OK) else Path(tempfile.gettempdir())
    return folder / "klant_xl-fouten.log"


def write_error_log(exc: BaseException) -> Path | None:
    """Append the traceback of ``exc`` to the log file; returns the file (None when it cannot be written)."""
    path = error_log_path()
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} ---\n{text}\n")
    except OSError:
        return None
    return path


def message_for(exc: BaseException) -> str:
    """The Dutch message for any error; an unexpected one is logged first (with its traceback)."""
    if isinstance(exc, KlantXLError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "Afgebroken. Het bestand is niet gewijzigd."
    if isinstance(exc, MemoryError):
        what = "Te weinig geheugen voor deze gegevens."
    else:
        what = f"Er ging iets onverwachts mis ({type(exc).__name__}: {str(exc)[:200]})."
    log = write_error_log(exc)
    where = f" De technische details staan in '{log}'; stuur dat bestand mee als je dit meldt." if log else ""
    return f"{what} Je werkmap en invoerbestanden zijn niet gewijzigd.{where}"
