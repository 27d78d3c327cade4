"""atomic_write and refuse_if_open: a failed write leaves the file byte-identical."""

from __future__ import annotations

import pytest

from klant_xl.errors import WerkmapFout
from klant_xl.excel.files import atomic_write, refuse_if_open


def test_atomic_write_replaces_content(tmp_path):
    target = tmp_path / "map.xlsm"
    target.write_bytes(b"oud")
    atomic_write(target, lambda p: p.write_bytes(b"nieuw"))
    assert target.read_bytes() == b"nieuw"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["map.xlsm"]


def test_atomic_write_failure_keeps_original(tmp_path):
    target = tmp_path / "map.xlsm"
    target.write_bytes(b"origineel \x00\x01")

    def broken(p):
        p.write_bytes(b"half")
        raise RuntimeError("stuk")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_bytes() == b"origineel \x00\x01"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["map.xlsm"]


def test_atomic_write_empty_result_refused(tmp_path):
    target = tmp_path / "map.xlsm"
    target.write_bytes(b"origineel")
    with pytest.raises(WerkmapFout, match="niets geschreven"):
        atomic_write(target, lambda p: None)
    assert target.read_bytes() == b"origineel"


def test_atomic_write_new_file_and_return_value(tmp_path):
    target = tmp_path / "nieuw.xlsx"
    assert atomic_write(target, lambda p: p.write_bytes(b"x") and 42) == 42
    assert target.read_bytes() == b"x"


@pytest.mark.parametrize("lock_name", ["~$klantanalyse.xlsm", "~$antanalyse.xlsm"])
def test_refuse_if_open(tmp_path, lock_name):
    target = tmp_path / "klantanalyse.xlsm"
    target.write_bytes(b"x")
    refuse_if_open(target)  # no lock file: fine
    (tmp_path / lock_name).write_bytes(b"")
    with pytest.raises(WerkmapFout, match="geopend in Excel") as info:
        refuse_if_open(target)
    assert "klantanalyse.xlsm" in str(info.value)
