"""PDF size limits (issue 13, item 5): compression bombs and absurd counts are refused with one
clean error, before PDFium inflates anything — checked under a hard address-space cap."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

from auditor.adapters import _pdf_limits, _pdf_page
from auditor.adapters.pdf import PdfAdapter
from auditor.model import AdapterError
from tests.hostile.builders import pdf_file

MiB = 2**20


def zeros_deflated(size: int) -> bytes:
    """A zlib stream of ``size`` zero bytes (whole MiB), built from one compressed MiB repeated:
    a full flush makes every MiB compress to the same bytes. Milliseconds for a GiB."""
    chunk = b"\0" * MiB
    compressor = zlib.compressobj(9)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(size // MiB):
        adler = zlib.adler32(chunk, adler)
    body = first + block * (size // MiB - 1) + b"\x03\x00"  # the final, empty block
    return body + adler.to_bytes(4, "big")


def hand_pdf(pages: list[bytes], extra: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
    """A minimal, valid PDF: one page per content stream (a whole stream object), then ``extra``
    objects (the first is the pages' image ``/Im1``); a Helvetica font for text."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
                            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for content in pages:
        page_number = len(objects) + 1
        kids.append(b"%d 0 R" % page_number)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 %d 0 R >> >> >>"
                       % (page_number + 1, len(pages) * 2 + 4))
        objects.append(content)
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(pages)
    objects.extend(extra)
    return pdf_file(objects)


def stream(data: bytes, filters: str = "/FlateDecode", extra: bytes = b"") -> bytes:
    return b"<< /Length %d /Filter %s %s>>\nstream\n" % (len(data), filters.encode(), extra) + data + b"\nendstream"


TEXT = stream(zlib.compress(b"BT /F1 12 Tf 72 720 Td (Annual report 2024) Tj ET"))


def content_bomb(size: int) -> bytes:
    return hand_pdf([stream(zeros_deflated(size))])


def run_capped(data: bytes, tmp_path: Path, cap: int = 700 * MiB) -> str:
    """Read ``data`` in a child process whose address space is capped: what it prints."""
    pdf = tmp_path / "input.pdf"
    pdf.write_bytes(data)
    script = textwrap.dedent(f"""
        import resource, sys
        from auditor.adapters.pdf import PdfAdapter
        from auditor.model import AdapterError
        import pypdfium2  # loaded before the cap: its shared library is not what is measured
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, ({cap}, hard))
        try:
            document = PdfAdapter().read("input.pdf", open({str(pdf)!r}, "rb").read())
            print("read", len(document.blocks))
        except AdapterError as exc:
            print("error", exc)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    return done.stdout.strip() or f"crashed {done.returncode}: {done.stderr.strip()[-300:]}"


def test_the_bomb_builder_makes_what_it_says():
    data = zeros_deflated(3 * MiB)
    assert len(data) < 20_000
    assert zlib.decompress(data) == b"\0" * (3 * MiB)


def test_a_content_stream_bomb_is_refused_under_a_memory_cap(tmp_path: Path):
    bomb = content_bomb(1024 * MiB)  # 1 GiB of zeros in a ~1 MB file
    assert len(bomb) < 1_200_000
    assert run_capped(bomb, tmp_path) == \
        "error a PDF stream inflates to more than 64 MiB (a compression bomb?)"


def test_a_doubly_compressed_bomb_is_measured_through_both_layers():
    inner = zeros_deflated(256 * MiB)
    bomb = hand_pdf([stream(zlib.compress(inner, 9), "[/FlateDecode /FlateDecode]")])
    assert len(bomb) < 10_000
    with pytest.raises(AdapterError, match="inflates to more than 64 MiB"):
        PdfAdapter().read("bomb.pdf", bomb)


def test_many_streams_under_the_per_stream_limit_are_capped_together(monkeypatch):
    monkeypatch.setattr(_pdf_limits, "MAX_DECODED_BYTES", 100 * MiB)
    pages = [stream(zeros_deflated(30 * MiB))] * 4
    with pytest.raises(AdapterError, match="more than 100 MiB in all"):
        PdfAdapter().read("bomb.pdf", hand_pdf(pages))


def test_a_filter_hidden_behind_a_reference_is_still_measured():
    data = zeros_deflated(128 * MiB)
    bomb = hand_pdf([b"<< /Length %d /Filter 6 0 R >>\nstream\n" % len(data) + data + b"\nendstream"],
                    extra=[b"/FlateDecode"])
    with pytest.raises(AdapterError, match="compression bomb"):
        PdfAdapter().read("bomb.pdf", bomb)


def test_an_image_bomb_is_not_inflated_by_text_extraction(tmp_path: Path):
    """PDFium never decodes pixels to read text, so images are not measured — and not loaded."""
    image = stream(zeros_deflated(1024 * MiB), extra=b"/Type /XObject /Subtype /Image /Width 32768 "
                   b"/Height 32768 /ColorSpace /DeviceGray /BitsPerComponent 8 ")
    show = stream(zlib.compress(b"q 100 0 0 100 72 500 cm /Im1 Do Q BT /F1 12 Tf 72 720 Td (Annual report 2024) Tj ET"))
    assert run_capped(hand_pdf([show], extra=[image]), tmp_path) == "read 1"


def test_ordinary_streams_pass_and_are_counted():
    data = hand_pdf([TEXT])
    _pdf_limits.check_limits(data)
    document = PdfAdapter().read("small.pdf", data)
    assert [b.text for b in document.blocks] == ["Annual report 2024"]


def test_too_many_pages_is_refused_before_any_page_is_read(monkeypatch):
    monkeypatch.setattr("auditor.adapters.pdf.MAX_PAGES", 20)
    with pytest.raises(AdapterError, match="PDF has 21 pages, over the 20-page limit"):
        PdfAdapter().read("pages.pdf", hand_pdf([TEXT] * 21))


def test_too_many_objects_is_refused(monkeypatch):
    monkeypatch.setattr(_pdf_limits, "MAX_OBJECTS", 10)
    with pytest.raises(AdapterError, match=r"PDF holds 1[0-9] objects, over the 10 limit"):
        PdfAdapter().read("objects.pdf", hand_pdf([TEXT] * 5))


def test_a_page_with_too_many_characters_is_refused(monkeypatch):
    monkeypatch.setattr(_pdf_page, "MAX_PAGE_CHARS", 10)
    with pytest.raises(AdapterError, match="page 1 holds 18 characters, over the 10 limit"):
        PdfAdapter().read("chars.pdf", hand_pdf([TEXT]))


def test_a_page_drawn_with_too_many_segments_keeps_its_text_and_says_so(monkeypatch):
    monkeypatch.setattr(_pdf_page, "MAX_PATH_SEGMENTS", 10)
    lines = b"".join(b"72 %d m 500 %d l S " % (y, y) for y in range(100, 400, 10))
    page = stream(zlib.compress(lines + b"BT /F1 12 Tf 72 720 Td (Annual report 2024) Tj ET"))
    document = PdfAdapter().read("drawing.pdf", hand_pdf([page]))
    assert [b.text for b in document.blocks] == ["Annual report 2024"]
    assert document.notes == ("page 1: over 10 drawing segments, table lines not read (the page is a vector drawing)",)
