"""The live refresh (xlwings Book, Windows COM) colours statuses as the offline file does.

Real Excel is not on this machine: the COM calls are recorded on a mock sheet and compared with
the rules the offline adapter writes (same values, same colours).
"""

from __future__ import annotations

from unittest import mock

import pandas as pd

from klant_xl.excel.live import LiveWorkbook
from klant_xl.excel.spec import TableBlock

# Excel colour numbers are BGR: red C00000 -> 0x0000C0 = 192; green 70AD47 -> 0x47AD70
RED, GREEN, WHITE, BLACK = 192, 0x47AD70, 0xFFFFFF, 0


def test_status_column_gets_one_rule_per_status_with_the_fixed_colours():
    frame = pd.DataFrame({"Klant": ["a", "b"], "Status": ["Actief", "Verloren"]})
    block = TableBlock("Klanten", frame, row=1, col=1, value_colours={"Status": {"Actief": None, "Verloren": None}})
    sheet = mock.MagicMock()
    port = LiveWorkbook.__new__(LiveWorkbook)
    port._write_table(sheet, block, {})
    add = sheet.range.return_value.api.FormatConditions.Add
    assert [c.args for c in add.call_args_list] == [(1, 3, '="Actief"'), (1, 3, '="Verloren"')]
    # the MagicMock returns one condition object for both calls: the last values set are Verloren's
    condition = add.return_value
    assert condition.Interior.Color == RED and condition.Font.Color == WHITE and condition.Font.Bold is True


def test_colour_numbers_are_bgr():
    from klant_xl.excel import live

    assert live._colour_number("70AD47") == GREEN and live._colour_number("000000") == BLACK
