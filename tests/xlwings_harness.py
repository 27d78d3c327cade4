"""Run klant_xl's Excel functions through xlwings' own conversion layer, on Linux, without Excel.

A test should see what Excel would show, not what the Python function returns.
On Linux ``xw.func`` / ``xw.arg`` / ``xw.ret`` are no-ops (no ``__xlfunc__``
is stored) and ``xlwings.udfs`` does not import (it needs ``pythoncom``), so
this harness

1. imports the *classic* decorators from ``xlwings.udfs`` with the
   Windows-only modules (``pythoncom``, ``pywintypes``, ``win32com.client``)
   stubbed for the duration of the import, and loads a private copy of
   ``klant_xl/udfs.py`` decorated by them (:func:`classic_module`);
2. registers a stand-in engine named ``excel`` whose ``clean_value_data`` /
   ``prepare_xl_data_element`` are those of ``xlwings._xlwindows`` (copied,
   that module does not import on Linux; :data:`COPIED_FROM_XLWINDOWS` pins the
   copied lines), and a stand-in range that delivers values as COM's
   ``Range.Value`` does: floats for numbers, tz-aware datetimes for date
   cells, ``decimal.Decimal`` for currency-formatted cells, ``None`` for
   blanks, integer codes for error cells, a scalar for one cell and a tuple of
   row tuples for several;
3. calls a function the way ``xlwings.udfs.call_udf`` does (:func:`call`):
   an omitted optional argument gets its Python default, a range argument goes
   through ``conversion.read(Range, None, options)``, a value typed in the
   formula through ``conversion.read(None, value, options)``, the result
   through ``conversion.write(result, None, ret_options)``; and checks that the
   result is something COM can hand to Excel;
4. offers the same for the Office.js runtimes (xlwings Lite / Server,
   :func:`call_officejs`): ranges arrive as JSON (dates as serial numbers,
   ``None`` for blanks), a 1×1 range becomes a scalar and a 1×n range a flat
   list (``to_scalar``), ``None`` means "use the default", and the result is
   written with an engine named ``officejs`` that turns dates into serials and
   NaN into ``#NUM!``. Only the behaviour documented in xlwings' source is
   mirrored (the PRO modules themselves are license-gated and not imported).

xlwings internals this relies on (xlwings is pinned exactly, ``xlwings==0.37.8``
in ``pyproject.toml``; ``tests/test_udfs_harness.py`` fails when they move):

- ``xlwings.udfs.xlfunc``, ``xlarg``, ``xlret`` and the ``__xlfunc__`` dict they
  build (``args[i]["options"|"optional"|"doc"|"vba"]``, ``ret["options"|"doc"]``,
  ``category``);
- ``xlwings.udfs.call_udf``'s argument handling (mirrored in :func:`call`);
- ``xlwings.conversion.read`` / ``write`` and ``ConversionContext`` picking
  ``xlwings.engines["excel"]`` when there is no range, else
  ``rng.sheet.book.app.engine``;
- ``xlwings.main.Engine``, ``xlwings.engines.add``, ``xlwings.main.Range(impl=...)``
  and ``xlwings.base_classes.Range`` (``raw_value``, ``shape``,
  ``max_cells_per_read``);
- ``xlwings._xlwindows``: ``cell_errors``, ``_clean_value_data_element``,
  ``_com_time_to_datetime``, ``Engine.clean_value_data`` and
  ``Engine.prepare_xl_data_element`` (copied below);
- ``xlwings.pro.udfs_officejs.custom_functions_call`` / ``to_scalar`` and
  ``xlwings.pro._xlofficejs`` (behaviour mirrored in :func:`call_officejs`);
- and, in klant_xl itself (``klant_xl.excel.cells.ExcelTableConverter``): results
  are routed to a converter by type (``ValueAccessor.router``), a converter may
  supply its own ``writer`` pipeline (``Converter``, ``Pipeline``; stages are
  called with the ``ConversionContext``, also by ``Pipeline.async_call``), and
  ``ctx.engine.impl.prepare_xl_data_element(value, options)`` converts a date
  for the runtime.
"""

from __future__ import annotations

import datetime as dt
import decimal
import importlib.util
import math
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xlwings
from xlwings import base_classes, conversion
from xlwings.main import Engine, Range

UDF_FILE = Path(__file__).resolve().parent.parent / "klant_xl" / "udfs.py"

#: Error cells as COM delivers them (xlwings._xlwindows.cell_errors).
CELL_ERRORS = {
    -2146826281: "#DIV/0!",
    -2146826246: "#N/A",
    -2146826259: "#NAME?",
    -2146826288: "#NULL!",
    -2146826252: "#NUM!",
    -2146826265: "#REF!",
    -2146826273: "#VALUE!",
}
ERROR_CODES = {name: code for code, name in CELL_ERRORS.items()}

#: Lines of xlwings/_xlwindows.py (0.37.8) that the stand-in engine copies; the
#: pin test checks they are still there, verbatim.
COPIED_FROM_XLWINDOWS = (
    "def _com_time_to_datetime(com_time, datetime_builder):",
    'if value in ("", None):\n        return empty_as\n    elif isinstance(value, time_types):\n'
    "        return _com_time_to_datetime(value, datetime_builder)\n"
    "    elif number_builder is not None and isinstance(value, float):\n"
    "        value = number_builder(value)\n"
    "    elif isinstance(value, int) and value in cell_errors:\n"
    "        if err_to_str:\n            return cell_errors[value]\n"
    "        else:\n            return None\n    return value",
    "        if isinstance(x, time_types):\n            return _datetime_to_com_time(x)\n"
    "        elif pd and pd.isna(x):\n            return \"\"\n"
    "        elif np and isinstance(x, (np.floating, float)) and np.isnan(x):\n"
    "            return \"\"\n        elif np and isinstance(x, np.number):\n"
    "            return float(x)\n        elif x is None:\n            return \"\"\n"
    "        else:\n            return x",
)

#: VBA passes an omitted optional argument as this integer (call_udf checks it).
VBA_MISSING = -2147352572


class _Missing:
    def __repr__(self):
        return "MISSING"


#: An argument left out of the formula, e.g. the 2nd in ``=KLANTSTATUS(A2)``.
MISSING = _Missing()


@dataclass(frozen=True)
class CellError:
    """An error value in a cell (``#N/A``, ``#DIV/0!``, ...), in English as COM knows it."""

    name: str


class Currency(decimal.Decimal):
    """A number in a currency-formatted cell: COM's ``Range.Value`` gives a Decimal."""


@dataclass
class Cells:
    """A range argument: the cell values as they stand in the sheet, as a list of rows.

    Cell contents are Python values: float/int for numbers, str for text,
    ``datetime.date``/``datetime.datetime`` for date cells, ``None`` for blanks,
    :class:`CellError` for error cells, :class:`Currency` for currency cells.
    """

    rows: list

    @classmethod
    def column(cls, values) -> "Cells":
        return cls([[v] for v in values])

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.rows), len(self.rows[0]) if self.rows else 0)


# --------------------------------------------------------------------------- classic decorators


_CLASSIC: dict = {}


def classic_decorators():
    """Return xlwings' classic ``(xlfunc, xlarg, xlret)`` from ``xlwings.udfs``.

    ``xlwings.udfs`` imports ``pythoncom``, ``pywintypes`` and
    ``win32com.client`` at module level; they are stubbed only while it is
    imported, and the imported module is taken out of ``sys.modules`` again so
    the rest of the test session sees Linux as it is.
    """
    if "udfs" not in _CLASSIC:
        stubs = {
            "pythoncom": types.SimpleNamespace(CoInitialize=lambda: None, IID_IDispatch=None),
            "pywintypes": types.SimpleNamespace(com_error=OSError, TimeType=dt.datetime, IID=str),
            "win32com": types.SimpleNamespace(),
            "win32com.client": types.SimpleNamespace(Dispatch=None),
        }
        saved = {name: sys.modules.get(name) for name in [*stubs, "xlwings.udfs"]}
        try:
            sys.modules.update({name: _as_module(name, ns) for name, ns in stubs.items()})
            sys.modules.pop("xlwings.udfs", None)
            module = importlib.import_module("xlwings.udfs")
        finally:
            for name, old in saved.items():
                if old is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = old
            if hasattr(xlwings, "udfs") and saved["xlwings.udfs"] is None:
                delattr(xlwings, "udfs")
        _CLASSIC["udfs"] = module
    module = _CLASSIC["udfs"]
    return module.xlfunc, module.xlarg, module.xlret


def _as_module(name, namespace):
    module = types.ModuleType(name)
    module.__dict__.update(vars(namespace))
    return module


def classic_module(path: Path = UDF_FILE):
    """Load a private copy of the UDF module with ``xw.func/arg/ret`` = the classic decorators."""
    key = ("module", str(path))
    if key not in _CLASSIC:
        xlfunc, xlarg, xlret = classic_decorators()
        originals = (xlwings.func, xlwings.arg, xlwings.ret)
        xlwings.func, xlwings.arg, xlwings.ret = xlfunc, xlarg, xlret
        try:
            spec = importlib.util.spec_from_file_location("klant_xl_udfs_classic", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        finally:
            xlwings.func, xlwings.arg, xlwings.ret = originals
        _CLASSIC[key] = module
    return _CLASSIC[key]


def udf_names(module=None) -> list[str]:
    """Names of the functions the module declares to Excel (what Import Functions registers)."""
    module = module or classic_module()
    return sorted(name for name in dir(module) if hasattr(getattr(module, name), "__xlfunc__"))


# --------------------------------------------------------------------------- stand-in engines


def _com_time_to_datetime(com_time, datetime_builder):
    return datetime_builder(
        month=com_time.month,
        day=com_time.day,
        year=com_time.year,
        hour=com_time.hour,
        minute=com_time.minute,
        second=com_time.second,
        microsecond=com_time.microsecond,
        tzinfo=None,
    )


_TIME_TYPES = (dt.date, dt.datetime, np.datetime64)


def _clean_value_data_element(value, datetime_builder, empty_as, number_builder, err_to_str):
    if value in ("", None):
        return empty_as
    elif isinstance(value, _TIME_TYPES):
        return _com_time_to_datetime(value, datetime_builder)
    elif number_builder is not None and isinstance(value, float):
        value = number_builder(value)
    elif isinstance(value, int) and value in CELL_ERRORS:
        if err_to_str:
            return CELL_ERRORS[value]
        else:
            return None
    return value


class ComDate(dt.datetime):
    """A date on its way to Excel through COM (pywin32 turns a datetime into VT_DATE)."""


def _datetime_to_com_time(value) -> ComDate:
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value).to_pydatetime()
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return ComDate(value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)


class ComEngineImpl:
    """Stand-in for ``xlwings._xlwindows.Engine``: same name, type and cleaning rules."""

    name = "excel"
    type = "desktop"

    @staticmethod
    def prepare_xl_data_element(x, date_format):
        if isinstance(x, _TIME_TYPES):
            return _datetime_to_com_time(x)
        elif pd and pd.isna(x):
            return ""
        elif np and isinstance(x, (np.floating, float)) and np.isnan(x):
            return ""
        elif np and isinstance(x, np.number):
            return float(x)
        elif x is None:
            return ""
        else:
            return x

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        return [
            [_clean_value_data_element(c, datetime_builder, empty_as, number_builder, err_to_str) for c in row]
            for row in data
        ]


class OfficeJsEngineImpl:
    """Stand-in for ``xlwings.pro._xlofficejs.Engine`` (custom functions of xlwings Lite / Server)."""

    name = "officejs"
    type = "remote"

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        # Office.js gives no date cells (serial numbers instead); errors are dicts.
        def clean(value):
            if value is None or value == "":
                return empty_as
            if isinstance(value, dict):
                if value["type"] == "Error":
                    return value["basicValue"] if err_to_str else None
                return value["basicValue"]
            if number_builder is not None and isinstance(value, float):
                return number_builder(value)
            return value

        return [[clean(c) for c in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x, options):
        if x is None:
            return ""
        elif pd.isna(x):
            return {"type": "Error", "errorType": "Num"}
        elif isinstance(x, np.number):
            return float(x)
        elif isinstance(x, np.datetime64):
            return excel_serial(pd.Timestamp(x))
        elif isinstance(x, (dt.date, dt.datetime)):
            return excel_serial(x)
        return x


def register_engines() -> None:
    names = [engine.name for engine in xlwings.engines]
    if "excel" not in names:
        xlwings.engines.add(Engine(impl=ComEngineImpl()))
    if "officejs" not in names:
        xlwings.engines.add(Engine(impl=OfficeJsEngineImpl()))


class _App:
    pid = 0

    def __init__(self, engine):
        self.engine = engine


class _Book:
    def __init__(self, engine):
        self.app = _App(engine)


class _Sheet:
    def __init__(self, engine):
        self.book = _Book(engine)
        self.name = "Blad1"


class ComRangeImpl(base_classes.Range):
    """A range whose ``raw_value`` is what COM's ``Range.Value`` gives for these cells."""

    def __init__(self, cells: Cells):
        self.cells = cells
        self.options = {}
        self._sheet = _Sheet(ComEngineImpl())

    @property
    def sheet(self):
        return self._sheet

    @property
    def shape(self):
        return self.cells.shape

    @property
    def raw_value(self):
        rows = tuple(tuple(_com_cell(v) for v in row) for row in self.cells.rows)
        if self.cells.shape == (1, 1):
            return rows[0][0]
        return rows


def _com_cell(value):
    """One cell as COM's Range.Value delivers it."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, CellError):
        return ERROR_CODES[value.name]
    if isinstance(value, bool) or isinstance(value, str) or isinstance(value, decimal.Decimal):
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        if not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        # pywintypes.datetime: tz-aware (UTC)
        return value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError(f"not a cell value: {value!r}")


def _literal(value):
    """A value typed in the formula, as VBA passes it in a Variant."""
    if isinstance(value, (dt.date, dt.datetime)):
        # A date typed as DATE(2026;1;31) or a date cell's value in a formula arrives as a Double.
        return excel_serial(value)
    return _com_cell(value)


def excel_serial(value) -> float:
    """Excel's serial number of a date (1900 date system)."""
    stamp = pd.Timestamp(value)
    return float((stamp - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1))


# --------------------------------------------------------------------------- calling


class UdfCrash(AssertionError):
    """The Python function raised: Excel would show VBA's Err.Description (a traceback) in the cell."""


def _shown_classic(value):
    """What Excel shows for one element COM received."""
    if isinstance(value, ComDate):
        return dt.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second)
    if value == "":
        return None
    if isinstance(value, (bool, str, float, int, decimal.Decimal)):
        return value
    raise AssertionError(f"COM cannot hand {type(value).__name__} {value!r} to Excel")


def info(name: str, module=None) -> dict:
    """The ``__xlfunc__`` dict the classic decorators stored for a function."""
    return getattr(module or classic_module(), name).__xlfunc__


def call(name: str, *args, module=None):
    """Call a UDF as classic xlwings does from a cell; return what Excel shows (a list of rows).

    Mirrors ``xlwings.udfs.call_udf`` for a function without async_mode or
    legacy ``expand``: missing -> default, range -> read through the engine,
    literal -> read as a value, result -> ``conversion.write``.
    """
    register_engines()
    module = module or classic_module()
    func = getattr(module, name)
    func_info = func.__xlfunc__
    args_info = func_info["args"]
    values = []
    for i, arg in enumerate(args):
        arg_info = args_info[min(i, len(args_info) - 1)]
        if arg is MISSING:
            arg = VBA_MISSING
        if isinstance(arg, int) and not isinstance(arg, bool) and arg == VBA_MISSING:
            values.append(arg_info.get("optional", None))
        elif isinstance(arg, Cells):
            values.append(conversion.read(Range(impl=ComRangeImpl(arg)), None, arg_info["options"]))
        else:
            values.append(conversion.read(None, _literal(arg), arg_info["options"]))
    # VBA declares every parameter; trailing omitted ones arrive as "missing" too
    for arg_info in args_info[len(args) :]:
        values.append(arg_info.get("optional", None))
    try:
        result = func(*values)
    except Exception as exc:  # noqa: BLE001 - that is the point
        raise UdfCrash(f"{name} raised {type(exc).__name__}: {exc}") from exc
    written = conversion.write(result, None, func_info["ret"]["options"])
    return [[_shown_classic(v) for v in row] for row in written]


def _json_cell(value):
    """One cell as Office.js hands it to a custom function (JSON)."""
    if value is None or value == "":
        return None
    if isinstance(value, CellError):
        return {"type": "Error", "basicValue": value.name}
    if isinstance(value, (dt.date, dt.datetime)):
        return excel_serial(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value) if isinstance(value, float) else value
    raise TypeError(f"not a cell value: {value!r}")


def _to_scalar(arg):
    # xlwings.pro.udfs_officejs.to_scalar
    if isinstance(arg, (list, tuple)) and len(arg) == 1:
        if isinstance(arg[0], (list, tuple)) and len(arg[0]) == 1:
            arg = arg[0][0]
        else:
            arg = arg[0]
    return arg


def call_officejs(name: str, *args, module=None):
    """Call a UDF as xlwings Lite / Server do; return what Excel shows (a list of rows).

    Dates come back as serial numbers here (no date format known), NaN as ``#NUM!``.
    """
    register_engines()
    module = module or classic_module()
    func = getattr(module, name)
    func_info = func.__xlfunc__
    args_info = func_info["args"]
    values = []
    for i, arg in enumerate(args):
        arg_info = args_info[min(i, len(args_info) - 1)]
        if arg is MISSING:
            arg = [[None]]
        elif isinstance(arg, Cells):
            arg = [[_json_cell(v) for v in row] for row in arg.rows]
        else:
            arg = [[_json_cell(arg)]]
        arg = _to_scalar(arg)
        if arg is None:
            values.append(arg_info.get("optional", None))
        else:
            values.append(conversion.read(None, arg, arg_info["options"], engine_name="officejs"))
    for arg_info in args_info[len(args) :]:
        values.append(arg_info.get("optional", None))
    try:
        result = func(*values)
    except Exception as exc:  # noqa: BLE001
        raise UdfCrash(f"{name} raised {type(exc).__name__}: {exc}") from exc
    options = dict(func_info["ret"]["options"], date_format=None, runtime="1.4")
    written = conversion.write(result, None, options, engine_name="officejs")
    shown = []
    for row in written:
        out = []
        for v in row:
            if v == "":
                v = None
            elif isinstance(v, float) and math.isnan(v):
                raise AssertionError("NaN reached Office.js")
            out.append(v)
        shown.append(out)
    return shown


def scalar(shown):
    """The single value of a 1×1 result."""
    assert len(shown) == 1 and len(shown[0]) == 1, f"expected one cell, got {len(shown)}×{len(shown[0])}"
    return shown[0][0]

