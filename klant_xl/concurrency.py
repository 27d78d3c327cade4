"""Work beside the main computation, on a thread where the platform has threads (core).

The analysis fits its models while the backend computes the rest: numpy, scipy and DuckDB do
their work outside Python's interpreter lock, so two cores share it. Where no thread can start
(xlwings Lite runs in Pyodide) the work is done when its result is asked for: the same value.
"""

from __future__ import annotations

import threading

__all__ = ["Beside"]


class Beside:
    """``function()`` computed on a thread of its own, where the platform has threads.

    :meth:`result` waits for it and gives its value or raises its exception. Where no thread can
    start (xlwings Lite runs in Pyodide), or with ``threaded=False`` (a caller's Ibis backend, whose
    connection may not take two threads), :meth:`result` computes it then: the same value.
    """

    def __init__(self, function, threaded: bool = True):
        self._function = function
        self._outcome: tuple | None = None
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="klant_xl-ernaast", daemon=True)
            try:
                self._thread.start()
            except RuntimeError:  # can't start new thread
                self._thread = None

    def _run(self) -> None:
        try:
            self._outcome = (self._function(), None)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in result()
            self._outcome = (None, exc)

    def result(self):
        if self._thread is None:
            return self._function()
        self._thread.join()
        value, error = self._outcome
        if error is not None:
            raise error
        return value
