"""Word ``.docx`` files: paragraphs and tables in document order, merged cells resolved.

python-docx opens the package (relationships, main part, an XML parser with entity resolution
off); the body is then walked directly on its ``w:`` elements. That is faster than python-docx's
``Table.rows[i].cells`` (which re-resolves merges per row) and lets one loop honour every grid
rule Word uses: ``w:gridBefore``/``w:gridAfter`` skipped slots, horizontal ``w:gridSpan`` and
vertical ``w:vMerge`` (a continuing cell repeats the text of the cell that restarted the merge),
content controls (``w:sdt``) around paragraphs, rows and cells, and tables nested in cells
(a table holding tables is layout and is unwrapped, as in HTML).

Before python-docx sees the bytes, the package is checked for bombs twice. The zip directory
first (member count, total uncompressed size, per-member compression ratio, the size of the main
document part), which is cheap but only as honest as the file. Then every member is inflated in
small pieces, only counting bytes, and refused the moment it inflates past the size its directory
entry states: zipfile itself trusts that size and inflates a member in one call of up to 2 GiB,
so a directory that lies about sizes would otherwise cost gigabytes before failing its CRC check.
Once every member is known to inflate to what the checked directory says, python-docx reads it.
"""

from __future__ import annotations

import copy
import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any, Optional

from auditor.adapters._cells import (
    GridTooLarge,
    SourceCell,
    clean_cell,
    clean_text,
    drop_empty_rows,
    expand_grid,
    is_data_grid,
)
from auditor.hookspecs import claim, hookimpl
from auditor.model import AdapterError, Block, Document, Span

MAX_MEMBERS = 2000
MAX_UNCOMPRESSED = 256 * 1024 * 1024
MAX_PART = 64 * 1024 * 1024
MAX_RATIO = 100  # deflate reaches ~20:1 on WordprocessingML; bombs are 1000:1 and more
RATIO_FLOOR = 1024 * 1024  # small parts may compress well without being a threat
INFLATE_PIECE = 1 << 16  # bytes inflated per step while counting
# Word writes members stored or deflated; others (bzip2, LZMA) inflate without a per-call bound.
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_P, _TBL, _TR, _TC = (f"{{{_W}}}{t}" for t in ("p", "tbl", "tr", "tc"))
_SDT, _SDT_CONTENT = f"{{{_W}}}sdt", f"{{{_W}}}sdtContent"
_T, _TAB, _BR, _CR = (f"{{{_W}}}{t}" for t in ("t", "tab", "br", "cr"))
_VAL = f"{{{_W}}}val"
# Wrappers whose children are read as if they stood in the parent (content controls, smart tags).
_TRANSPARENT = {_SDT_CONTENT, f"{{{_W}}}customXml", f"{{{_W}}}smartTag", f"{{{_W}}}ins"}


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Open the package, refusing zip bombs and files that are not Word documents."""
    if not data.startswith(b"PK"):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise AdapterError("legacy Word 97-2003 (.doc) or password-protected .docx: "
                               "save it as .docx without a password")
        if data.lstrip()[:5] == b"%PDF-":
            raise AdapterError("not a .docx file: it is a PDF (wrong extension?)")
        raise AdapterError("not a .docx file: no zip signature (corrupt or wrong extension)")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise AdapterError(f"corrupt or truncated .docx (bad zip: {exc})") from None
    if len(members) > MAX_MEMBERS:
        raise AdapterError(f"refusing .docx with {len(members)} zip members (limit {MAX_MEMBERS}): "
                           "possible zip bomb")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise AdapterError(f"refusing .docx that unpacks to {total // 2**20} MiB "
                           f"(limit {MAX_UNCOMPRESSED // 2**20} MiB): possible zip bomb")
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise AdapterError(f"refusing .docx: '{member.filename}' is compressed "
                               f"{member.file_size // max(member.compress_size, 1)}:1: possible zip bomb")
        if member.filename == "word/document.xml" and member.file_size > MAX_PART:
            raise AdapterError(f"refusing .docx: word/document.xml is {member.file_size // 2**20} MiB "
                               f"(limit {MAX_PART // 2**20} MiB)")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names:
        raise AdapterError("not a Word document: the zip has no [Content_Types].xml (wrong extension?)")
    if not any(n.startswith("word/") for n in names):
        kind = "an Excel workbook" if any(n.startswith("xl/") for n in names) else \
            "a PowerPoint file" if any(n.startswith("ppt/") for n in names) else "not a Word document"
        raise AdapterError(f"not a .docx: {kind} (wrong extension?)")
    for member in members:
        check_inflated(package, member)
    return package


def check_inflated(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    """Inflate one member in pieces, counting bytes; ``AdapterError`` as soon as it passes the
    size its directory entry states (the size ``check_zip`` has already held to the limits)."""
    if member.compress_type not in _METHODS:
        raise AdapterError(f"refusing .docx: '{member.filename}' uses zip compression method "
                           f"{member.compress_type} (Word writes only stored or deflated members)")
    stated = member.file_size
    # zipfile stops at the stated size and only then checks the CRC: let it run a little past,
    # so a lie is seen as bytes beyond the statement rather than as a bad checksum.
    probe = copy.copy(member)
    probe.file_size = stated + 2 * INFLATE_PIECE
    total = 0
    try:
        with package.open(probe) as stream:
            while True:
                piece = stream.read(INFLATE_PIECE)
                if not piece:
                    break
                total += len(piece)
                if total > stated:
                    raise AdapterError(f"refusing .docx: '{member.filename}' inflates past the {stated:,} bytes "
                                       "its zip directory states: possible zip bomb")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise AdapterError(f"corrupt or truncated .docx ('{member.filename}': {exc})") from None
    except zlib.error as exc:
        raise AdapterError(f"corrupt .docx: '{member.filename}' does not inflate ({exc})") from None
    return total


def _paragraph_text(p: Any) -> str:
    """Visible text of a ``w:p``: runs, tabs and breaks (deleted text is ``w:delText`` and field
    codes ``w:instrText``, so neither is picked up)."""
    parts: list[str] = []
    for el in p.iter(_T, _TAB, _BR, _CR):
        if el.tag == _T:
            parts.append(el.text or "")
        elif el.tag == _TAB:
            parts.append(" ")
        else:
            parts.append("\n")
    return "".join(parts)


def _children(el: Any) -> Iterator[Any]:
    """Child elements with content controls and other transparent wrappers opened."""
    for child in el:
        if child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _children(content)
        elif child.tag in _TRANSPARENT:
            yield from _children(child)
        else:
            yield child


def _prop(el: Any, path: str) -> Optional[Any]:
    return el.find(path, {"w": _W})


def _int_val(el: Optional[Any], default: int) -> int:
    if el is None:
        return default
    try:
        return max(int(el.get(_VAL, default)), 0)
    except ValueError:
        return default


class _BodyReader:
    """Walks ``w:body`` with an explicit stack so deeply nested tables cannot recurse."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.paragraphs = 0
        self.tables = 0

    def read(self, body: Any) -> list[Block]:
        stack: list[Any] = list(reversed(list(_children(body))))
        while stack:
            el = stack.pop()
            if el.tag == _P:
                self.paragraphs += 1
                for line in _paragraph_text(el).split("\n"):
                    text = clean_text(line)
                    if text:
                        span = Span(locator=f"paragraph[{self.paragraphs}]")
                        self.blocks.append(Block("text", text=text, span=span))
            elif el.tag == _TBL:
                self.tables += 1
                if el.find(f".//{_TBL}") is not None:
                    # Layout table: read its cells' content in order, as if it stood in the body.
                    contents = [item for tr in el.iter(_TR) if _nearest(tr, _TBL) is el
                                for tc in _children(tr) if tc.tag == _TC for item in _children(tc)]
                    stack.extend(reversed(contents))
                else:
                    self.read_table(el, f"table[{self.tables}]")
        return self.blocks

    def read_table(self, tbl: Any, locator: str) -> None:
        rows: list[list[SourceCell]] = []
        # vMerge continuation cells take the text of the restarting cell in the same grid column.
        restart_text: dict[int, tuple[str, Span]] = {}
        # Word encodes vertical merges per cell; collect runs first, then expand as rowspans.
        tr_elements = [tr for tr in _children(tbl) if tr.tag == _TR]
        for r, tr in enumerate(tr_elements, start=1):
            row: list[SourceCell] = []
            trpr = _prop(tr, "w:trPr")
            column = _int_val(_prop(trpr, "w:gridBefore") if trpr is not None else None, 0)
            for _ in range(column):
                row.append(SourceCell(""))
            for c, tc in enumerate((t for t in _children(tr) if t.tag == _TC), start=1):
                tcpr = _prop(tc, "w:tcPr")
                span = _int_val(_prop(tcpr, "w:gridSpan") if tcpr is not None else None, 1) or 1
                vmerge = _prop(tcpr, "w:vMerge") if tcpr is not None else None
                cell_span = Span(locator=f"{locator}/row[{r}]/cell[{c}]")
                continues = vmerge is not None and vmerge.get(_VAL, "continue") != "restart"
                if continues and column in restart_text:
                    text, cell_span = restart_text[column]
                else:
                    text = clean_cell("\n".join(_paragraph_text(p) for p in tc.iter(_P)))
                    if vmerge is not None:
                        restart_text[column] = (text, cell_span)
                    else:
                        restart_text.pop(column, None)
                row.append(SourceCell(text, colspan=span, span=cell_span))
                column += span
            rows.append(row)
        try:
            grid = expand_grid(rows)
        except GridTooLarge as exc:
            raise AdapterError(f"{locator}: {exc}") from None
        if is_data_grid(drop_empty_rows(grid)):  # empty rows kept: a blank T4 row is still a row
            self.blocks.append(Block("table", rows=grid, span=Span(locator=locator)))
            return
        seen: set[int] = set()
        for row_cells in grid:
            for cell in row_cells:
                if cell.text and id(cell) not in seen:
                    seen.add(id(cell))
                    self.blocks.append(Block("text", text=cell.text, span=cell.span))


def _nearest(el: Any, tag: str) -> Optional[Any]:
    parent = el.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


class DocxAdapter:
    """Reads Word ``.docx`` files into paragraphs and table grids."""

    name = "docx"
    extensions = (".docx", ".docm")
    description = "Word documents (.docx; merged cells via gridSpan/vMerge, nested tables)"

    def sniff(self, head: bytes) -> bool:
        return head.startswith(b"PK\x03\x04") and b"word/" in head

    def read(self, path: str, data: bytes) -> Document:
        if not data:
            raise AdapterError("file is empty")
        check_zip(data)
        try:
            import docx
            from docx.opc.exceptions import PackageNotFoundError
        except ImportError:
            raise AdapterError("reading .docx needs python-docx: pip install python-docx") from None
        try:
            document = docx.Document(io.BytesIO(data))
        except PackageNotFoundError:
            raise AdapterError("not a Word document (no main document part; wrong extension?)") from None
        except KeyError as exc:
            raise AdapterError(f"corrupt .docx: missing part {exc}") from None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise AdapterError(f"corrupt or truncated .docx ({exc})") from None
        except Exception as exc:  # lxml.etree.XMLSyntaxError, ValueError from python-docx internals
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            raise AdapterError(f"corrupt .docx: {type(exc).__name__}: {first_line}") from None
        # A main part in another namespace (a mistyped xmlns:w) comes back as a plain XML element.
        body = getattr(document.element, "body", None)
        if body is None:
            raise AdapterError("corrupt .docx: the main part is not a Word document body (w:document/w:body)")
        blocks = _BodyReader().read(body)
        if not blocks:
            raise AdapterError("the .docx holds no text (empty document, or only images: no OCR yet)")
        return Document(path=path, adapter=self.name, blocks=tuple(blocks), encoding="utf-8")


@hookimpl
def auditor_adapters() -> list[type]:
    return [DocxAdapter]


@hookimpl
def auditor_claim(path: str, head: bytes, by: str):
    return claim(DocxAdapter(), path, head, by)
