"""Plain text: scraped pages and Word "save as text" exports.

Decoding: a BOM wins; then strict UTF-8; then strict GB18030 (a superset of GBK and GB2312);
then charset-normalizer's best guess. The encoding used is recorded on the document. Tables
stay as lines here: the recognizer knows the table layouts (`|`-split rows, one cell per line,
tab-indented cells) because it needs the template's labels to find row boundaries.
"""

from __future__ import annotations

import codecs

from auditor.hookspecs import claim, hookimpl
from auditor.model import AdapterError, Block, Document, Span

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CONTROL_OK = {9, 10, 12, 13, 27}
_CONTROLS = bytes(b for b in range(32) if b not in _CONTROL_OK)  # C0 controls text does not hold


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or many C0 controls: not text (a PDF or image renamed .txt)."""
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROLS))  # counted in C, not byte by byte
    return controls > max(8, len(sample) // 100)


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text and the name of the encoding used."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name), name
    if _looks_binary(data):
        raise AdapterError("binary data, not a text file (wrong extension?)")
    for name in ("utf-8", "gb18030"):
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise AdapterError("cannot decode text: not UTF-8, GB18030 or any encoding charset-normalizer knows")
    return str(best), best.encoding


class TextAdapter:
    name = "text"
    # Markdown too: PDF-to-markdown and OCR-to-markdown conversions are how many reports arrive.
    extensions = (".txt", ".text", ".md", ".markdown")
    description = "plain text and Markdown (UTF-8, GB18030/GBK; any of the scraped table layouts, pipe tables)"

    def sniff(self, head: bytes) -> bool:
        if not head or _looks_binary(head):
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            return exc.start > len(head) - 4  # cut inside a multi-byte character
        return True

    def read(self, path: str, data: bytes) -> Document:
        text, encoding = decode(data)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise AdapterError("file holds only whitespace")
        # One block for the whole file: the recognizer splits it into lines, numbering them from
        # the block's first line (a block per line cost more than reading the file).
        return Document(path=path, adapter=self.name, blocks=(Block(kind="text", text=text, span=Span(line=1)),),
                        encoding=encoding)


@hookimpl
def auditor_adapters():
    return [TextAdapter]


@hookimpl(trylast=True)
def auditor_claim(path: str, head: bytes, by: str):
    """Any file nobody else claims, if it decodes as text (a saved page named .jsp)."""
    return claim(TextAdapter(), path, head, by)
