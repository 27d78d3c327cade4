"""Editing a VBA module without Excel: the compound file and the MS-OVBA compression, checked
against independent readers (olefile, oletools' decompressor) and xlwings' own bytes."""

from __future__ import annotations

import struct
import warnings
import zipfile
from pathlib import Path

import olefile
import pytest
import xlwings
from hypothesis import given, settings, strategies as st

from klant_xl.errors import WerkmapFout
from tests.excel_helpers import ole_streams
from klant_xl.excel.vba_project import (compress, decompress, module_offsets, read_compound_file,
                                        replace_in_module, write_compound_file)

with warnings.catch_warnings():  # oletools uses deprecated pyparsing names at import
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import decompress_stream

SOURCE = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"


@pytest.fixture(scope="module")
def shipped() -> bytes:
    with zipfile.ZipFile(SOURCE) as z:
        return z.read("xl/vbaProject.bin")


def test_reading_finds_the_streams_olefile_finds(shipped):
    entries, streams = read_compound_file(shipped)
    ole = olefile.OleFileIO(shipped)
    try:
        for path in ole.listdir():
            assert streams[ole._find(path)] == ole.openstream(path).read(), path
        assert len(streams) == len(ole.listdir()) == 9
    finally:
        ole.close()


def test_writing_keeps_every_stream_and_the_tree(shipped):
    entries, streams = read_compound_file(shipped)
    rewritten = write_compound_file(entries, streams)
    assert ole_streams(rewritten) == ole_streams(shipped)
    ole = olefile.OleFileIO(rewritten)
    try:
        assert ole.listdir(streams=True, storages=True) == olefile.OleFileIO(shipped).listdir(streams=True, storages=True)
    finally:
        ole.close()
    # and it reads back with our own reader too
    assert read_compound_file(rewritten)[1] == streams


def test_module_offsets_of_xlwings_ribbon_project(shipped):
    entries, streams = read_compound_file(shipped)
    names = {struct.unpack_from("<H", e, 64)[0] and e[:struct.unpack_from("<H", e, 64)[0] - 2].decode("utf-16-le"): i
             for i, e in enumerate(entries)}
    offsets = module_offsets(streams[names["dir"]])
    assert offsets["xlwings"] == 0  # source only
    assert sorted(offsets) == ["Dictionary", "RibbonMyAddin", "Sheet2", "ThisWorkbook", "xlwings"]
    for name, offset in offsets.items():  # every module's source starts with 'Attribute VB_Name = "<name>"'
        source = bytes(decompress_stream(bytearray(streams[names[name]][offset:])))
        assert source.startswith(f'Attribute VB_Name = "{name}"'.encode())


def test_compressing_xlwings_module_gives_its_exact_bytes(shipped):
    entries, streams = read_compound_file(shipped)
    module = ole_streams(shipped)["VBA/xlwings"]
    source = bytes(decompress_stream(bytearray(module)))
    assert len(source) == 44654
    assert compress(source) == module
    assert decompress(module) == source


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.binary(max_size=9000),
    st.lists(st.sampled_from([b"Dim ", b"x", b" As String\r\n", b"    ", b"End Sub\r\n", b"a"]),
             max_size=1500).map(b"".join),
))
def test_compress_round_trips_through_an_independent_decompressor(data):
    packed = compress(data)
    assert bytes(decompress_stream(bytearray(packed))) == data
    assert decompress(packed) == data


def test_replace_in_module_changes_one_line(shipped):
    old = 'Public Const PROJECT_NAME As String = "myaddin"'
    new = 'Public Const PROJECT_NAME As String = "klant_xl"'
    edited = ole_streams(replace_in_module(shipped, "xlwings", old, new))
    before = ole_streams(shipped)
    assert [k for k in before if before[k] != edited[k]] == ["VBA/xlwings"]
    source = bytes(decompress_stream(bytearray(before["VBA/xlwings"])))
    assert bytes(decompress_stream(bytearray(edited["VBA/xlwings"]))) == source.replace(old.encode(), new.encode())


def test_refusals(shipped):
    with pytest.raises(WerkmapFout, match="niet precies één keer"):
        replace_in_module(shipped, "xlwings", "bestaat-niet", "x")
    with pytest.raises(WerkmapFout, match="'Module9' ontbreekt"):
        replace_in_module(shipped, "Module9", "a", "b")
    with pytest.raises(WerkmapFout, match="geen samengesteld bestand"):
        replace_in_module(b"PK\x03\x04" + bytes(600), "xlwings", "a", "b")
    # a project with compiled code (a real _VBA_PROJECT version): Excel would run that, not the source
    entries, streams = read_compound_file(shipped)
    names = {e[:struct.unpack_from("<H", e, 64)[0] - 2].decode("utf-16-le"): i
             for i, e in enumerate(entries) if struct.unpack_from("<H", e, 64)[0]}
    compiled = dict(streams)
    compiled[names["_VBA_PROJECT"]] = bytes.fromhex("cc61b2000003") + bytes(200)
    with pytest.raises(WerkmapFout, match="gecompileerde code"):
        replace_in_module(write_compound_file(entries, compiled), "xlwings", "a", "b")
