"""Run main for klantanalyse.xlsm.

The xlwings add-in's *Run main* button runs ``main()`` of the Python module
named after the workbook (``klantanalyse.py`` beside ``klantanalyse.xlsm``).
It does what the "Vernieuw analyse" button of the Klantanalyse tab does:
refresh the active workbook.
"""

from klant_xl.excel.refresh import main as _refresh_active_workbook


def main():
    """Vernieuw de analyse in de actieve werkmap."""
    _refresh_active_workbook()


if __name__ == "__main__":
    print("Start dit vanuit Excel (knop 'Run main'), of gebruik: klant-xl vernieuw klantanalyse.xlsm")
