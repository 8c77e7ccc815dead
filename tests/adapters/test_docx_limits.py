"""DOCX bombs whose zip directory lies (issue 13, item 5): sizes are counted as members inflate,
not taken from the directory, so a lie is refused before it costs memory — checked under a hard
address-space cap with a member that really inflates to a GiB."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import pytest

from auditor.adapters.docx import DocxAdapter
from auditor.model import AdapterError
from tests.hostile.builders import CONTENT_TYPES, RELS

MiB = 2**20
DOCUMENT = (b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>hello</w:t></w:r></w:p></w:body></w:document>')


def zeros_raw_deflate(size: int) -> bytes:
    """A raw deflate stream (as zip stores it) of ``size`` zero bytes, whole MiB: one compressed
    MiB repeated (a full flush makes each MiB compress alike), then an empty final block."""
    chunk = b"\0" * MiB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first + block * (size // MiB - 1) + b"\x03\x00"


def lying_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written byte by byte: (name, stored bytes, method, stated size, CRC) per member, the
    stated size going into both the local header and the central directory."""
    out = bytearray()
    directory = bytearray()
    for name, body, method, stated, crc in members:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(body), stated,
                           len(encoded), 0) + encoded + body
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(body),
                                 stated, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    start = len(out)
    out += directory
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), start, 0)
    return bytes(out)


def stored(name: str, body: bytes) -> tuple[str, bytes, int, int, int]:
    return (name, body, zipfile.ZIP_STORED, len(body), zlib.crc32(body))


def docx_with_document(body: bytes, *, method: int = zipfile.ZIP_DEFLATED, stated: int, crc: int = 0) -> bytes:
    """The smallest package python-docx opens, its main part as given."""
    return lying_zip([stored("[Content_Types].xml", CONTENT_TYPES), stored("_rels/.rels", RELS),
                      ("word/document.xml", body, method, stated, crc)])


def test_the_hand_built_zip_is_what_it_says():
    data = docx_with_document(zeros_raw_deflate(4 * MiB), stated=1000)
    member = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml")
    assert member.file_size == 1000 and member.compress_size < 20_000
    start = member.header_offset + 30 + len("word/document.xml")
    assert len(zlib.decompress(data[start:start + member.compress_size], -15)) == 4 * MiB


def test_a_member_inflating_past_its_stated_size_is_refused_as_a_bomb():
    data = docx_with_document(zeros_raw_deflate(8 * MiB), stated=2000)
    with pytest.raises(AdapterError, match=r"'word/document\.xml' inflates past the 2,000 bytes its zip "
                                           r"directory states: possible zip bomb"):
        DocxAdapter().read("bomb.docx", data)


def test_the_hand_built_package_reads_when_its_directory_is_honest():
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = packer.compress(DOCUMENT) + packer.flush()
    data = docx_with_document(raw, stated=len(DOCUMENT), crc=zlib.crc32(DOCUMENT))
    assert [block.text for block in DocxAdapter().read("small.docx", data).blocks] == ["hello"]


def test_a_wrong_checksum_is_a_corrupt_file():
    data = docx_with_document(DOCUMENT, method=zipfile.ZIP_STORED, stated=len(DOCUMENT), crc=12345)
    with pytest.raises(AdapterError, match=r"corrupt or truncated \.docx \('word/document\.xml': Bad CRC-32"):
        DocxAdapter().read("crc.docx", data)


def test_compression_methods_word_never_writes_are_refused():
    data = docx_with_document(b"BZh91AY&SY" + bytes(40), method=zipfile.ZIP_BZIP2, stated=100)
    with pytest.raises(AdapterError, match="compression method 12"):
        DocxAdapter().read("bzip.docx", data)


def test_a_gibibyte_bomb_behind_a_lying_directory_stays_small(tmp_path: Path):
    """Before the inflation check, python-docx's zipfile inflated the member in one call and the
    process grew to the member's real size (2 GB for the bomb the issue names) before failing."""
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(docx_with_document(zeros_raw_deflate(1024 * MiB), stated=4000))
    assert bomb.stat().st_size < 2 * MiB
    script = textwrap.dedent(f"""
        import resource
        from auditor.adapters.docx import DocxAdapter
        from auditor.model import AdapterError
        resource.setrlimit(resource.RLIMIT_AS, ({768 * MiB}, resource.getrlimit(resource.RLIMIT_AS)[1]))
        try:
            DocxAdapter().read("bomb.docx", open({str(bomb)!r}, "rb").read())
            print("read")
        except AdapterError as exc:
            print("error", exc)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert len(lines) == 2, done.stderr[-500:]
    assert "inflates past the 4,000 bytes its zip directory states" in lines[0]
    assert int(lines[1]) < 300  # MiB at peak, imports included
