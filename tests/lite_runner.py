"""Run a Lite workbook's ``main.py`` through xlwings' own server / Office.js code, in a child process.

Started by tests/test_lite_server.py as ``python tests/lite_runner.py MAIN_PY``
with ``XLWINGS_ON_SERVER=true`` and ``XLWINGS_LICENSE_KEY=noncommercial`` set
before xlwings is imported (xlwings picks its decorators at import time, so this
cannot happen inside the pytest process, where xlwings is already imported
for the desktop). With ``KLANT_XL_LITE_SANDBOX=1`` the process looks like
Pyodide in xlwings Lite to klant_xl: ``python_calamine`` and ``rich`` cannot be
imported, threads cannot be started and files cannot be written.

Protocol: one JSON request per line on stdin, one JSON answer per line on stdout:

- ``{"op": "meta"}`` -> ``custom_functions_meta`` and ``custom_scripts_meta`` of main.py;
- ``{"op": "call", "payload": {...}}`` -> ``await custom_functions_call(payload, main)``;
- ``{"op": "script", "name": ..., "book": {...}}`` -> the actions of
  ``await custom_scripts_call(main, name, typehint_to_value={xw.Book: xw.Book(json=book)})``;
- ``{"op": "probe"}`` -> what the sandbox refuses;
- ``{"op": "identity"}`` -> whether main.py's functions are klant_xl.udfs' own objects, and
  the modules loaded.
Errors come back as ``{"error": "..."}``.
"""

from __future__ import annotations

import asyncio
import builtins
import importlib.abc
import importlib.util
import json
import os
import sys

BLOCKED_MODULES = ("python_calamine", "rich")


class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED_MODULES:
            raise ImportError(f"{fullname} is not available in xlwings Lite (Pyodide)")
        return None


def _sandbox() -> None:
    sys.meta_path.insert(0, _Blocker())
    real_open = builtins.open

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            raise PermissionError(f"no file writes in xlwings Lite: {file}")
        return real_open(file, mode, *args, **kwargs)

    builtins.open = guarded_open
    import threading

    def no_threads(self, *args, **kwargs):
        raise RuntimeError("no threads in xlwings Lite (Pyodide)")

    threading.Thread.start = no_threads


def _load(path: str):
    spec = importlib.util.spec_from_file_location("main", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["main"] = module
    spec.loader.exec_module(module)
    return module


def _answer(request: dict, main) -> dict:
    import xlwings as xw
    from xlwings import server

    op = request["op"]
    if op == "meta":
        return {"functions": server.custom_functions_meta(main), "scripts": server.custom_scripts_meta(main)}
    if op == "call":
        return {"result": asyncio.run(server.custom_functions_call(request["payload"], main))}
    if op == "script":
        book = xw.Book(json=request["book"])
        returned = asyncio.run(server.custom_scripts_call(main, request["name"], typehint_to_value={xw.Book: book}))
        return {"actions": returned.json()["actions"], "same_book": returned is book}
    if op == "identity":
        import klant_xl.udfs as udfs

        names = [n for n in dir(main) if hasattr(getattr(main, n), "__xlfunc__")]
        return {
            "functions": names,
            "same_objects": all(getattr(main, n) is getattr(udfs, n) for n in names),
            "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("klant_xl", *BLOCKED_MODULES)),
        }
    if op == "probe":
        return {"blocked": _probe()}
    raise ValueError(f"unknown op {op!r}")


def _probe() -> list[str]:
    """What the sandbox refuses (so that a test can see it is not vacuous)."""
    import tempfile
    import threading

    blocked = []
    for name in BLOCKED_MODULES:
        try:
            __import__(name)
        except ImportError:
            blocked.append(name)
    try:
        with open(os.path.join(tempfile.gettempdir(), "klant_xl_lite_probe.txt"), "w") as f:
            f.write("x")
    except PermissionError:
        blocked.append("write")
    try:
        threading.Thread(target=lambda: None).start()
    except RuntimeError:
        blocked.append("thread")
    return blocked


def run() -> None:
    if os.environ.get("KLANT_XL_LITE_SANDBOX") == "1":
        _sandbox()
    out = sys.stdout
    sys.stdout = sys.stderr  # what main.py prints (Lite's output pane) must not mix with the answers
    main = _load(sys.argv[1])
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = _answer(json.loads(line), main)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(answer, default=str) + "\n")
        out.flush()


if __name__ == "__main__":
    run()
