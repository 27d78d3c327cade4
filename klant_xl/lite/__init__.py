"""The xlwings Lite edition's code as it is stored in a Lite workbook (SPEC §12).

``main.py`` in this package is the file xlwings Lite runs: it is written into
the workbook's ``xl/webextensions/webextension1.xml`` as the ``main.py``
property by :mod:`klant_xl.excel.lite_workbook` and is importable here as
``klant_xl.lite.main`` for the tests.
"""

from importlib import resources

__all__ = ["main_source"]


def main_source() -> str:
    """The text of the ``main.py`` that goes into a Lite workbook."""
    return resources.files(__name__).joinpath("main.py").read_text(encoding="utf-8")
