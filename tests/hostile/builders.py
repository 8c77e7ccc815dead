"""Hostile files, built in memory: reports, names, rule files and configurations an attacker
or a careless operator could hand auditor. Each builder is small and says what it attacks."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "reports" / "000_60dfc1bb3c346b4a.txt"
ENCRYPTED_PDF = ROOT / "tests" / "fixtures" / "adapters" / "encrypted_user_password.pdf"
MiB = 2**20
PASSWD_MARK = "root:x:0:0"  # what /etc/passwd holds and no output may


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


# ---------------------------------------------------------------- compression


def zeros_deflate(size: int, *, raw: bool) -> bytes:
    """A deflate stream of ``size`` zero bytes (whole MiB), zlib-wrapped unless ``raw``: one
    compressed MiB repeated after full flushes, so a GiB costs milliseconds and a MiB on disk."""
    chunk = b"\0" * MiB
    packer = zlib.compressobj(9, zlib.DEFLATED, -15 if raw else 15)
    first = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    body = first + block * (size // MiB - 1) + b"\x03\x00"
    if raw:
        return body
    adler = 1
    for _ in range(size // MiB):
        adler = zlib.adler32(chunk, adler)
    return body + adler.to_bytes(4, "big")


# ---------------------------------------------------------------- PDF


def pdf(content: bytes, *, filters: bytes = b"") -> bytes:
    """A one-page PDF whose content stream is ``content`` (``filters``: e.g. ``/Filter /FlateDecode``)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d %s >>\nstream\n" % (len(content), filters) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return pdf_file(objects)


def pdf_file(objects: list[bytes]) -> bytes:
    """A PDF file of ``objects`` (numbered from 1, the first the catalog) with a correct xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def text_pdf() -> bytes:
    return pdf(b"BT /F1 12 Tf 72 720 Td (2020 annual report) Tj ET")


# ---------------------------------------------------------------- DOCX

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?>'
                 b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                 b'officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'officeDocument" Target="word/document.xml"/></Relationships>')
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx(document_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def docx_paragraphs(*texts: str, doctype: bytes = b"") -> bytes:
    body = b"".join(b"<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % t.encode("utf-8") for t in texts)
    return docx(b'<?xml version="1.0" encoding="UTF-8"?>' + doctype + b"<w:document " + W + b"><w:body>" + body
                + b"</w:body></w:document>")


def docx_lying_directory(real_size: int, stated: int) -> bytes:
    """A package whose main part inflates to ``real_size`` but whose zip directory says ``stated``."""
    members = [("[Content_Types].xml", CONTENT_TYPES, 0, len(CONTENT_TYPES), zlib.crc32(CONTENT_TYPES)),
               ("_rels/.rels", RELS, 0, len(RELS), zlib.crc32(RELS)),
               ("word/document.xml", zeros_deflate(real_size, raw=True), 8, stated, 0)]
    out, directory = bytearray(), bytearray()
    for name, body, method, size, crc in members:
        encoded, offset = name.encode(), len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(body), size,
                           len(encoded), 0) + encoded + body
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(body),
                                 size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    start = len(out)
    out += directory + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 3, 3, len(directory), start, 0)
    return bytes(out)


def docx_honest_bomb() -> bytes:
    """40 MiB of zeros in the main part, declared truthfully: the ratio check refuses it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", bytes(40 * MiB))
    return buffer.getvalue()


XXE = b'<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (b'<!DOCTYPE d [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          + b"".join(b'<!ENTITY %s "%s">' % (chr(99 + i).encode(), (b"&" + chr(98 + i).encode() + b";") * 10)
                     for i in range(8))
          + b"]>")


def docx_with_entity(doctype: bytes, reference: bytes) -> bytes:
    return docx(b'<?xml version="1.0" encoding="UTF-8"?>' + doctype + b"<w:document " + W
                + b"><w:body><w:p><w:r><w:t>" + reference + b"</w:t></w:r></w:p></w:body></w:document>")


# ---------------------------------------------------------------- text and HTML


def seed_with(old: str, new: str) -> bytes:
    text = seed_text()
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


def random_bytes(size: int) -> bytes:
    return random.Random(13).randbytes(size)


# Every hostile report input: file name → (bytes, what must become of it: "error", "read" or
# "either", and words the error must hold when it is one).
Builder = Callable[[], bytes]
INPUTS: dict[str, tuple[Builder, str, str]] = {
    "empty.txt": (lambda: b"", "error", "file is empty"),
    "binary.txt": (lambda: random_bytes(256 * 1024), "error", ""),
    "nul_bytes.txt": (lambda: b"\0" * 200_000, "error", ""),
    "utf16.txt": (lambda: seed_text().encode("utf-16"), "either", ""),
    "gb18030.txt": (lambda: seed_text().encode("gb18030"), "read", ""),
    "invalid_utf8.txt": (lambda: seed_text().encode("utf-8")[:-1] + b"\xff\xfe\xc0\x80" * 1000, "either", ""),
    "huge_line.txt": (lambda: ("x.y@a" * 400_000).encode(), "error", ""),
    "many_lines.txt": (lambda: b"\xe4\xb8\x80\n" * 200_000, "error", ""),
    "huge_number.txt": (lambda: seed_with("| 4 | 1 |", "| 1" + "0" * 400 + ".5 | 1 |"), "read", ""),
    "five_thousand_digits.txt": (lambda: seed_with("| 4 | 1 |", "| " + "9" * 5001 + " | 1 |"), "read", ""),
    "terminal_escapes.txt": (lambda: seed_with("南宁市良庆区", "南宁市\x1b]0;pwned\x07\x1b[2J良庆区"), "read", ""),
    "truncated.pdf": (lambda: text_pdf()[:200], "error", ""),
    "broken.pdf": (lambda: b"%PDF-1.7\n" + random_bytes(20_000), "error", ""),
    "encrypted.pdf": (lambda: ENCRYPTED_PDF.read_bytes(), "error", "password"),
    "stream_bomb.pdf": (lambda: pdf(zeros_deflate(1024 * MiB, raw=False), filters=b"/Filter /FlateDecode"),
                        "error", "compression bomb"),
    "not_a_zip.docx": (lambda: b"hello, not a zip", "error", "not a .docx"),
    "zip_bomb.docx": (docx_honest_bomb, "error", "zip bomb"),
    "lying_directory.docx": (lambda: docx_lying_directory(1024 * MiB, 4000), "error", "inflates past"),
    "xxe.docx": (lambda: docx_with_entity(XXE, b"&xxe;"), "either", ""),
    "billion_laughs.docx": (lambda: docx_with_entity(LAUGHS, b"&j;"), "either", ""),
    "xxe.html": (lambda: b'<?xml version="1.0"?>' + XXE + b"<html><body><p>&xxe;</p></body></html>", "error", ""),
    "billion_laughs.html": (lambda: LAUGHS + b"<html><body><p>&j;</p></body></html>", "error", ""),
    # Lexbor's tree building is quadratic in nesting depth (100,000 levels: 23 s), so 20,000 here.
    "deep_nesting.html": (lambda: b"<html><body>" + b"<div>" * 20_000 + b"x" + b"</div>" * 20_000, "error", ""),
    "huge_spans.html": (lambda: b"<table>" + b"<tr><td colspan=1000000 rowspan=1000000>1</td></tr>" * 2000
                        + b"</table>", "error", ""),
    "deep_nesting.json": (lambda: b"[" * 100_000 + b"]" * 100_000, "error", "nested too deeply"),
    "huge_number.json": (lambda: b'{"a": 1e999999, "b": ' + b"9" * 5001 + b"}", "error", ""),
    # Names that are attacks on the tools that read the outputs.
    "::error title=X::named.txt": (lambda: SEED.read_bytes(), "read", ""),
    "##[error]named.txt": (lambda: SEED.read_bytes(), "read", ""),
    "<!--<script>named.txt": (lambda: SEED.read_bytes(), "read", ""),
    "=HYPERLINK(1)named.txt": (lambda: SEED.read_bytes(), "read", ""),
    "\x1b]0;pwned\x07named.txt": (lambda: SEED.read_bytes(), "read", ""),
    "line\nbreak.txt": (lambda: SEED.read_bytes(), "read", ""),
}


def write_inputs(folder: Path) -> None:
    for name, (build, _, _) in INPUTS.items():
        (folder / name).write_bytes(build())


# ---------------------------------------------------------------- rule files


def rule(body: str, rule_id: str = "H-1") -> str:
    return f'rule {rule_id} "hostile" severity error\n{body}\n  message "m"\n'


# Rule files that must be refused at compile time with a position: name → (text, words).
BAD_RULES: dict[str, tuple[str, str]] = {
    "deep_not.rules": (rule("  assert " + "not " * 10_000 + "true"), "nested"),
    "deep_sum.rules": (rule("  assert " + " + ".join(["1"] * 50_000) + " > 0"), "nested"),
    "deep_calls.rules": (rule("  assert " + "abs(" * 5_000 + "1" + ")" * 5_000 + " == 1"), "nested"),
    "huge_file.rules": (rule("  assert true") + "#" * 1_100_000, "larger than"),
    "unclosed_string.rules": (rule('  assert "' + "x" * 500_000), "unclosed string"),
    "nul.rules": ("SECRET=1\0TOKEN=2\0", "NUL byte"),
    "credentials.rules": ("machine example.org password hunter2\n", "not a rule file"),
    "bad_regex.rules": (rule("  assert report.text matches /(?<=a)b/"), "invalid regular expression"),
    "huge_regex.rules": (rule("  assert report.text matches /" + "((a{1000}){1000}){1000}" + "/"), "regular expression"),
}

# Rule files that compile but must be stopped by the budgets while they run (each its own rule).
RUNAWAY_RULES = "\n".join([
    rule("  let a0 = 3\n" + "".join(f"  let a{i} = a{i - 1} * a{i - 1}\n" for i in range(1, 26))
         + "  assert a25 > 0", "RUN-SQUARES"),
    rule("  let s0 = report.text\n" + "".join(f"  let s{i} = s{i - 1} + s{i - 1}\n" for i in range(1, 31))
         + "  assert s30 matches /x/", "RUN-TEXT"),
    rule("  assert report.text matches /(a+)+$/", "RUN-BACKTRACK"),
    rule("  assert report.text matches /" + "(.*)" * 40 + "z/", "RUN-STARS"),
])
