"""Edit one VBA module of a ``vbaProject.bin`` without Excel: read and write its compound file,
decompress and compress its source.

The ribbon add-in's VBA (shipped by xlwings) keeps its configuration under a project name,
``Public Const PROJECT_NAME As String = "myaddin"``, that every add-in made from xlwings'
template shares: the config file ``%USERPROFILE%\\.myaddin\\myaddin.conf`` of one such add-in
is read by all of them. :func:`replace_in_module` gives klant_xl's add-in its own name.

Two formats are involved, both implemented here from their specifications:

- [MS-CFB] the compound file (a FAT file system in one file). :func:`read_compound_file` reads
  every stream; :func:`write_compound_file` lays them out again (version 3, 512-byte sectors,
  streams under 4096 bytes in the mini stream), keeping every directory entry (names, colours,
  the red-black tree, CLSIDs, times) as it was, so only the start sectors and sizes change.
- [MS-OVBA] §2.4.1 the compression of module source. :func:`compress` is the specification's
  algorithm (longest match; of equal ones the farthest, as Office does), so compressing xlwings'
  unchanged source gives its bytes back exactly (tested).

This only works for a project without compiled code: xlwings ships its add-in with the
``_VBA_PROJECT`` stream's version 0xFFFF and no performance cache, so Excel compiles the VBA from
source when it opens the add-in, and a changed source is what runs. :func:`replace_in_module`
refuses a project that carries compiled code.
"""

from __future__ import annotations

import struct

from klant_xl.errors import WerkmapFout

__all__ = ["compress", "decompress", "module_offsets", "read_compound_file", "replace_in_module",
           "write_compound_file"]

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREE, END_OF_CHAIN, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ENTRY = 128
STREAM = 2  # directory entry type of a stream
CHUNK = 4096


# -- [MS-OVBA] 2.4.1: compression --------------------------------------------------------------


def _bit_count(difference: int) -> int:
    """The copy token's offset bits: the smallest ``n >= 4`` with ``2**n >= difference``."""
    bits = 4
    while (1 << bits) < difference:
        bits += 1
    return bits


def decompress(data: bytes) -> bytes:
    """A compressed container ([MS-OVBA] 2.4.1.3.1) back to its bytes."""
    if not data or data[0] != 1:
        raise WerkmapFout("De VBA-code van de invoegtoepassing is onleesbaar (geen gecomprimeerde module).")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = int.from_bytes(data[pos:pos + 2], "little")
        end = min(pos + (header & 0x0FFF) + 3, len(data))
        pos += 2
        chunk_start = len(out)
        if not header >> 15:  # stored raw
            out += data[pos:pos + CHUNK]
            pos += CHUNK
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not (flags >> bit) & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token = int.from_bytes(data[pos:pos + 2], "little")
                pos += 2
                bits = _bit_count(len(out) - chunk_start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                for _ in range(length):  # may overlap what it writes
                    out.append(out[-offset])
    return bytes(out)


def _compress_chunk(data: bytes, start: int) -> bytes:
    end = min(start + CHUNK, len(data))
    starts: dict[bytes, list[int]] = {}  # 3-byte prefix -> earlier positions in the chunk
    indexed = start
    tokens = bytearray()
    current = start
    while current < end:
        flags = 0
        sequence = bytearray()
        for bit in range(8):
            if current >= end:
                break
            while indexed < current:  # candidates are the positions before `current`
                starts.setdefault(data[indexed:indexed + 3], []).append(indexed)
                indexed += 1
            best_length, best = 0, 0
            for candidate in reversed(starts.get(data[current:current + 3], ())):  # nearest first
                length = 0
                while current + length < end and data[candidate + length] == data[current + length]:
                    length += 1
                if length >= best_length:  # ties: the farthest, as Office writes it (see compress)
                    best_length, best = length, candidate
            if best_length >= 3:
                bits = _bit_count(current - start)
                length = min(best_length, (0xFFFF >> bits) + 3)
                sequence += (((current - best - 1) << (16 - bits)) | (length - 3)).to_bytes(2, "little")
                flags |= 1 << bit
                current += length
            else:
                sequence.append(data[current])
                current += 1
        tokens.append(flags)
        tokens += sequence
    if len(tokens) > CHUNK:  # does not pay: stored raw (only a full chunk can be)
        return (0x3000 | (CHUNK - 1)).to_bytes(2, "little") + data[start:end]
    return (0xB000 | (len(tokens) + 2 - 3)).to_bytes(2, "little") + bytes(tokens)


def compress(data: bytes) -> bytes:
    """Bytes to a compressed container, by the algorithm of [MS-OVBA] 2.4.1.3.6-2.4.1.3.9.

    One detail differs from the specification's pseudocode: of equally long matches it takes the
    farthest, not the nearest. Both decompress to the same bytes; the farthest is what the files
    written by Office hold, so xlwings' unchanged ``xlwings`` module (the one klant_xl edits)
    compresses back to its exact bytes. (Its other modules were compressed by an older Office with
    other choices still; they are not recompressed.)
    """
    return b"\x01" + b"".join(_compress_chunk(data, start) for start in range(0, len(data), CHUNK))


# -- [MS-CFB]: the compound file ---------------------------------------------------------------


def _chain(table: list[int], first: int) -> list[int]:
    chain = []
    while first not in (END_OF_CHAIN, FREE) and len(chain) <= len(table):
        chain.append(first)
        first = table[first]
    return chain


def read_compound_file(data: bytes) -> tuple[list[bytes], dict[int, bytes]]:
    """The raw 128-byte directory entries and the bytes of every stream (by entry number)."""
    if data[:8] != SIGNATURE:
        raise WerkmapFout("vbaProject.bin is geen samengesteld bestand (compound file).")
    sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini_size = 1 << struct.unpack_from("<H", data, 0x20)[0]
    n_fat, first_dir, _, cutoff, first_minifat, _, first_difat, _ = struct.unpack_from("<8I", data, 0x2C)

    def sector(number: int) -> bytes:
        offset = (number + 1) * sector_size
        return data[offset:offset + sector_size]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s != FREE]
    while first_difat not in (END_OF_CHAIN, FREE):
        words = struct.unpack(f"<{sector_size // 4}I", sector(first_difat))
        fat_sectors += [s for s in words[:-1] if s != FREE]
        first_difat = words[-1]
    fat = [w for s in fat_sectors[:n_fat] for w in struct.unpack(f"<{sector_size // 4}I", sector(s))]

    def stream(first: int) -> bytes:
        return b"".join(sector(s) for s in _chain(fat, first))

    directory = stream(first_dir)
    entries = [directory[i:i + ENTRY] for i in range(0, len(directory) - ENTRY + 1, ENTRY)]
    minifat_bytes = stream(first_minifat)
    minifat = list(struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes))
    mini_stream = stream(struct.unpack_from("<I", entries[0], 116)[0])
    streams = {}
    for number, entry in enumerate(entries):
        if entry[66] != STREAM:
            continue
        start, size = struct.unpack_from("<IQ", entry, 116)
        size &= 0xFFFFFFFF  # version 3: the high half is not used
        if size < cutoff:
            content = b"".join(mini_stream[s * mini_size:(s + 1) * mini_size] for s in _chain(minifat, start))
        else:
            content = stream(start)
        streams[number] = content[:size]
    return entries, streams


def _sectors(size: int, unit: int) -> int:
    return -(-size // unit)


def write_compound_file(entries: list[bytes], streams: dict[int, bytes]) -> bytes:
    """A version-3 compound file holding ``streams`` under the directory ``entries`` (as read by
    :func:`read_compound_file`); only their start sectors and sizes are rewritten."""
    mini_stream, minifat, big = bytearray(), [], {}
    starts: dict[int, int] = {}
    for number in sorted(streams):
        content = streams[number]
        if not content:
            starts[number] = END_OF_CHAIN
        elif len(content) < MINI_CUTOFF:
            first, count = len(mini_stream) // MINI_SECTOR, _sectors(len(content), MINI_SECTOR)
            minifat += list(range(first + 1, first + count)) + [END_OF_CHAIN]
            mini_stream += content.ljust(count * MINI_SECTOR, b"\0")
            starts[number] = first
        else:
            big[number] = content
    # Sector plan: FAT, directory, big streams, mini stream, mini FAT.
    directory = b"".join(entries).ljust(_sectors(len(entries) * ENTRY, SECTOR) * SECTOR, b"\0")
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat) if minifat else b""
    minifat_bytes = minifat_bytes.ljust(_sectors(len(minifat_bytes), SECTOR) * SECTOR, b"\xff")
    parts = [("directory", directory)] + [(n, c) for n, c in big.items()]
    parts += [("mini", bytes(mini_stream)), ("minifat", minifat_bytes)]
    used = sum(_sectors(len(c), SECTOR) for _, c in parts)
    n_fat = 1
    while n_fat * (SECTOR // 4) < used + n_fat:
        n_fat += 1
    if n_fat > 109:
        raise WerkmapFout("vbaProject.bin is te groot voor deze bewerking.")
    fat = [FAT_SECTOR] * n_fat
    first_of, body = {}, bytearray()
    for name, content in parts:
        count = _sectors(len(content), SECTOR)
        if not count:
            first_of[name] = END_OF_CHAIN
            continue
        first_of[name] = len(fat)
        fat += list(range(len(fat) + 1, len(fat) + count)) + [END_OF_CHAIN]
        body += content.ljust(count * SECTOR, b"\0")
    fat += [FREE] * (n_fat * (SECTOR // 4) - len(fat))
    starts.update({n: first_of[n] for n in big})

    new_entries = []
    for number, entry in enumerate(entries):
        entry = bytearray(entry)
        if number == 0:
            struct.pack_into("<IQ", entry, 116, first_of["mini"], len(mini_stream))
        elif number in streams:
            struct.pack_into("<IQ", entry, 116, starts[number], len(streams[number]))
        new_entries.append(bytes(entry))
    directory = b"".join(new_entries).ljust(len(directory), b"\0")
    body[:len(directory)] = directory  # the directory is the first part of the body

    header = bytearray(SECTOR)
    header[:8] = SIGNATURE
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<9I", header, 0x28, 0, n_fat, first_of["directory"], 0, MINI_CUTOFF,
                     first_of["minifat"], _sectors(len(minifat_bytes), SECTOR), END_OF_CHAIN, 0)
    struct.pack_into("<109I", header, 0x4C, *(list(range(n_fat)) + [FREE] * (109 - n_fat)))
    return bytes(header) + struct.pack(f"<{len(fat)}I", *fat) + bytes(body)


def module_offsets(dir_stream: bytes) -> dict[str, int]:
    """Where each module's compressed source starts in its stream (``MODULEOFFSET`` of the
    decompressed ``dir`` stream, [MS-OVBA] 2.3.4.2), by module stream name."""
    records = decompress(dir_stream)
    offsets, name, pos = {}, None, 0
    while pos + 6 <= len(records):
        record, size = struct.unpack_from("<HI", records, pos)
        if record == 0x0009:  # PROJECTVERSION: its size field says 4, six more bytes follow
            size = 6
        value = records[pos + 6:pos + 6 + size]
        if record == 0x001A:  # MODULESTREAMNAME
            name = value.decode("cp1252")
        elif record == 0x0031 and name is not None:  # MODULEOFFSET
            offsets[name] = struct.unpack("<I", value)[0]
        pos += 6 + size
    return offsets


def _entry_name(entry: bytes) -> str:
    length = struct.unpack_from("<H", entry, 64)[0]
    return entry[:max(length - 2, 0)].decode("utf-16-le")


def replace_in_module(project: bytes, module: str, old: str, new: str) -> bytes:
    """``project`` (a ``vbaProject.bin``) with ``old`` replaced by ``new`` once in the source of
    ``module``; raises :class:`~klant_xl.errors.WerkmapFout` unless ``old`` occurs exactly once
    and the project has no compiled code (which Excel would run instead of the source)."""
    entries, streams = read_compound_file(project)
    names = {_entry_name(entry): number for number, entry in enumerate(entries)}
    cache = streams.get(names.get("_VBA_PROJECT", -1), b"")
    if cache[2:4] != b"\xff\xff" or len(cache) != 7:
        raise WerkmapFout("De VBA van de invoegtoepassing bevat gecompileerde code; die kan klant_xl niet aanpassen.")
    number = names.get(module)
    if number not in streams:
        raise WerkmapFout(f"De VBA-module '{module}' ontbreekt in de invoegtoepassing.")
    offset = module_offsets(streams[names["dir"]]).get(module)
    if offset is None:
        raise WerkmapFout(f"De VBA-module '{module}' staat niet in de projectmap van de invoegtoepassing.")
    stream = streams[number]
    source = decompress(stream[offset:])
    old_bytes, new_bytes = old.encode("cp1252"), new.encode("cp1252")
    if source.count(old_bytes) != 1:
        raise WerkmapFout(f"'{old}' staat niet precies één keer in de VBA-module '{module}'.")
    streams = {**streams, number: stream[:offset] + compress(source.replace(old_bytes, new_bytes))}
    return write_compound_file(entries, streams)
