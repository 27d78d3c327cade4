"""Shared by the Lite tests: one built Lite workbook per session and the child process running its main.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import xlwings

RUNNER = Path(__file__).with_name("lite_runner.py")
ROOT = Path(__file__).resolve().parent.parent
_BUILT: dict = {}


def lite_workbook(tmp_path_factory) -> Path:
    """The Lite workbook ``klant-xl sjabloon --lite -o …`` writes (built once per test session, by the CLI)."""
    if "path" not in _BUILT:
        from klant_xl.cli import main

        path = tmp_path_factory.mktemp("lite") / "klantanalyse-lite.xlsx"
        assert main(["sjabloon", "--lite", "-o", str(path)]) == 0
        _BUILT["path"] = path
    return _BUILT["path"]


class LiteProcess:
    """A child Python running a main.py through xlwings' server code (tests/lite_runner.py)."""

    def __init__(self, main_py: Path, sandbox: bool = True):
        env = dict(os.environ, XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial",
                   PYTHONPATH=str(ROOT))
        env.pop("KLANT_XL_LITE_SANDBOX", None)
        if sandbox:
            env["KLANT_XL_LITE_SANDBOX"] = "1"
        self.process = subprocess.Popen([sys.executable, str(RUNNER), str(main_py)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                        cwd=str(ROOT))

    def ask(self, request: dict) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError("the Lite runner stopped:\n" + self.process.stderr.read()[-4000:])
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self.process.stdout.close()
        self.process.stderr.close()


def payload(func_name: str, *args) -> dict:
    """A custom-function call as Office.js sends it: every argument a 2-D list, blanks as None."""
    return {
        "func_name": func_name,
        "args": [arg if isinstance(arg, list) else [[arg]] for arg in args],
        "caller_address": "Formules!B2",
        "version": xlwings.__version__,
        "client": "Office.js",
        "culture_info_name": "nl-NL",
        "date_format": "d-M-yyyy",
        "runtime": "1.4",
    }
