"""Work beside the main computation, on a thread where the platform has threads (core).

The analysis fits its models while the backend computes the rest: numpy, scipy and DuckDB do
their work outside Python's interpreter lock, so two cores share it. Where no thread can start
(xlwings Lite runs in Pyodide) the work is done when its result is asked for: the same value.
"""

from __future__ import annotations

import os
import sys
import threading

__all__ = ["Beside", "one_blas_thread"]

#: The variable OpenBLAS (scipy's linear algebra) reads for the size of its thread pool when it loads.
BLAS_THREADS_VARIABLE = "OPENBLAS_NUM_THREADS"


def one_blas_thread() -> None:
    """Ask the OpenBLAS that scipy loads for one thread, unless the user set a number.

    scipy's L-BFGS-B (every model fit) solves a small triangular system per iteration through
    OpenBLAS, which hands it to its thread pool and then spins until the pool is done: a
    million-row analysis spent 0.6 s of the fit's 0.9 s CPU spinning, on the core that DuckDB
    and the segment tables beside the fit need. klant_xl's numpy work uses no BLAS (sums, not
    dot products), so one thread loses nothing. OpenBLAS reads the variable when it loads, so
    this does something only before scipy is imported; a shell calls it at its start (through
    :func:`klant_xl.analysis.load_models_beside`).
    """
    if "scipy" not in sys.modules:
        os.environ.setdefault(BLAS_THREADS_VARIABLE, "1")


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
