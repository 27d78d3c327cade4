"""The xlwings internals tests/xlwings_harness.py relies on are still where and what it expects.

xlwings is pinned exactly (``xlwings==0.37.8``); these tests fail loudly when
an upgrade moves what the harness copies or mirrors, instead of letting the
UDF tests silently test something Excel no longer does.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest
import xlwings

from tests import xlwings_harness as harness

XLWINGS_DIR = Path(xlwings.__file__).parent
ROOT = Path(__file__).resolve().parent.parent


def test_xlwings_is_pinned_exactly():
    assert xlwings.__version__ == "0.37.8"
    assert re.search(r'"xlwings==0\.37\.8"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("snippet", harness.COPIED_FROM_XLWINDOWS)
def test_stand_in_engine_copies_xlwindows_verbatim(snippet):
    source = (XLWINGS_DIR / "_xlwindows.py").read_text(encoding="utf-8")
    assert snippet in source


def test_com_error_codes_are_xlwindows_cell_errors():
    source = (XLWINGS_DIR / "_xlwindows.py").read_text(encoding="utf-8")
    for code, name in harness.CELL_ERRORS.items():
        assert f'{code}: "{name}",' in source


@pytest.mark.parametrize(
    "snippet",
    [
        # omitted optional argument -> the Python default
        'if isinstance(arg, int) and arg == -2147352572:  # missing\n            args[i] = arg_info.get("optional", None)',
        # a range argument is read through the engine with the declared options
        "args[i] = conversion.read(\n                Range(impl=xlwings._xlwindows.Range(xl=arg)),\n                None,\n"
        '                arg_info["options"],\n            )',
        # a value typed in the formula
        'args[i] = conversion.read(None, arg, arg_info["options"])',
        # the result
        'xl_result = conversion.write(ret, None, ret_info["options"])',
        # the wizard's description is the whole docstring, cut at 255 characters
        'fdoc = xlret["doc"][:255]',
        'argdocs = [arg["doc"][:255] for arg in xlargs if not arg["vba"]]',
        "Category=fcategory,",
    ],
)
def test_call_udf_still_does_what_the_harness_mirrors(snippet):
    source = (XLWINGS_DIR / "udfs.py").read_text(encoding="utf-8")
    assert snippet in source


@pytest.mark.parametrize(
    "snippet",
    [
        # Office.js: a 1x1 range becomes a scalar, a 1xn range a flat list
        "if isinstance(arg, (list, tuple)) and len(arg) == 1:\n"
        "        if isinstance(arg[0], (list, tuple)) and len(arg[0]) == 1:\n"
        "            arg = arg[0][0]\n        else:\n            arg = arg[0]",
        # Office.js: a blank argument means "use the default"
        'if arg is None:\n            args[i] = arg_info.get("optional", None)',
        'args[i] = conversion.read(\n                None, arg, arg_info["options"], engine_name="officejs"\n            )',
        # Office.js: category is not among the options it reads; vba is documented as classic-only
        'f.__xlfunc__["help_url"] = kwargs.get("help_url")',
        "vba: **Classic xlwings only.**",
    ],
)
def test_officejs_runtime_still_does_what_the_harness_mirrors(snippet):
    source = (XLWINGS_DIR / "pro" / "udfs_officejs.py").read_text(encoding="utf-8")
    assert snippet in source


def test_officejs_engine_still_sends_nan_as_num_error_and_dates_as_serials():
    source = (XLWINGS_DIR / "pro" / "_xlofficejs.py").read_text(encoding="utf-8")
    assert 'elif pd and pd.isna(x):\n            return errorstr_to_errortype("#NUM!", options["runtime"])' in source
    assert "serial = utils.datetime_to_xlserial(datetime_object)" in source
    assert "# datetime_builder is not supported as normal date-formatted cells aren't recognized" in source


def test_raw_converter_passes_udf_values_through_untouched():
    from xlwings import conversion

    harness.register_engines()
    value = ((1.0, None), ("a", -2146826246))
    assert conversion.read(None, value, {"convert": "raw"}) is value


def test_classic_decorators_store_the_options():
    xlfunc, xlarg, xlret = harness.classic_decorators()

    def f(a, b=None):
        """Eén zin."""

    f = xlfunc(category="Klantanalyse")(xlarg("a", "raw", doc="hulp")(f))
    assert f.__xlfunc__["category"] == "Klantanalyse"
    assert f.__xlfunc__["args"][0]["options"] == {"convert": "raw"}
    assert f.__xlfunc__["args"][0]["doc"] == "hulp"
    assert f.__xlfunc__["args"][1]["optional"] is None
    assert f.__xlfunc__["ret"]["doc"] == "Eén zin."


def test_harness_leaves_linux_as_it_is():
    harness.classic_module()
    assert "pythoncom" not in sys.modules
    assert "xlwings.udfs" not in sys.modules
    with pytest.raises(ImportError):
        importlib.import_module("xlwings.udfs")
    # and on Linux the public decorators stay no-ops
    def g():
        pass

    assert not hasattr(xlwings.func(g), "__xlfunc__")


def test_stand_in_range_delivers_what_com_delivers():
    import datetime as dt
    import decimal

    one = harness.ComRangeImpl(harness.Cells([[dt.date(2026, 1, 31)]])).raw_value
    assert one == dt.datetime(2026, 1, 31, tzinfo=dt.timezone.utc)
    many = harness.ComRangeImpl(
        harness.Cells([[1, None], ["a", harness.CellError("#N/A")], [harness.Currency("9.95"), True]])
    ).raw_value
    assert many == ((1.0, None), ("a", -2146826246), (decimal.Decimal("9.95"), True))
    assert isinstance(many[0][0], float)


@pytest.mark.parametrize(
    "path, snippet",
    [
        # results are routed to a converter by their type: klant_xl's ExcelTable relies on it
        ("conversion/standard.py", "    def router(cls, value, rng, options):\n        return accessors.get(type(value), cls)"),
        ("conversion/__init__.py", "accessors.get(convert, convert).router(value, rng, options).writer(options)\n    )\n"
         "    ctx = ConversionContext(rng=rng, value=value, engine_name=engine_name)\n"
         '    ctx.meta["write_property"] = write_property'),
        ("conversion/__init__.py", "accessors.get(convert, convert).router(value, rng, options).writer(options)\n    )\n"
         "    if pipeline_overrides:"),
        ("conversion/framework.py", "            async_run = getattr(stage, \"async_run\", None)"),
        ("conversion/standard.py", "c.engine.impl.prepare_xl_data_element(x, self.options)"),
    ],
)
def test_result_routing_klant_xl_relies_on(path, snippet):
    assert snippet in (XLWINGS_DIR / path).read_text(encoding="utf-8")


@pytest.mark.parametrize("engine", ["excel", "officejs"])
def test_excel_table_converter_matches_the_default_writer(engine):
    """ExcelTable's shortcut writes exactly what xlwings' default writer writes for the same rows."""
    import datetime as dt

    from xlwings import conversion

    from klant_xl.excel.cells import ExcelTable

    harness.register_engines()
    rows = [["Klant", "Datum", "Aantal"], ["a", dt.datetime(2026, 1, 31), 3], ["b", None, None]]
    table = ExcelTable([list(r) for r in rows])
    table.date_columns = (1,)
    options = {"date_format": None, "runtime": "1.4"} if engine == "officejs" else {}
    ours = conversion.write(table, None, dict(options), engine_name=engine)
    default = conversion.write(rows, None, dict(options), engine_name=engine)
    assert ours == default
    assert table == rows  # the returned object itself is left as it was
