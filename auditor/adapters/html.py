"""HTML pages: saved or scraped report pages, GB2312/GBK included.

Parser: selectolax's Lexbor backend. Lexbor is a spec-conformant HTML5 tree builder written in C,
so tag soup (unclosed ``<td>``, stray ``</div>``) is repaired the way a browser repairs it, and it
parses a 1 MB page in milliseconds — several times faster than lxml.html (libxml2's HTML 4 parser,
which repairs tag soup differently from browsers) and two orders of magnitude faster than
html5lib (pure Python, also conformant). The tree is walked with an explicit stack, never
recursion, so a page nested 10,000 deep cannot raise ``RecursionError``.

Tables: a ``<table>`` holding other tables is layout and is unwrapped; an innermost table with
at least two rows and two columns of text becomes a grid (``rowspan``/``colspan`` expanded by
``_cells.expand_grid``); smaller ones read as paragraphs. Navigation, headers, footers, scripts
and styles are skipped by tag, ARIA role and common class/id names.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from typing import Any, Callable, Optional

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
from auditor.model import AdapterError, Block, Document, RawCell, Span

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# GB2312 and GBK pages routinely contain characters only GB18030 (their superset) decodes.
_GB_ALIASES = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "gb_2312", "cp936", "ms936", "euc-cn", "csgb2312"}
_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html|head|body|meta|table|div|p|title)[\s>/]", re.IGNORECASE)

_SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "head",
    "select", "button", "textarea", "nav", "aside", "input", "map", "video", "audio",
})
_BLOCK_TAGS = frozenset({
    "address", "article", "blockquote", "body", "center", "dd", "details", "dialog", "dir", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "footer", "hr", "li", "main", "menu", "ol", "p", "pre", "section", "summary", "ul",
    "table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "br", "html",
})
_BOILERPLATE_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "menu", "menubar"})
# Class/id words that mark site chrome on government portals (split on - and _).
_BOILERPLATE_WORDS = frozenset({
    "nav", "navbar", "navigation", "menu", "footer", "foot", "breadcrumb", "breadcrumbs", "crumb",
    "crumbs", "sidebar", "copyright", "share", "topbar", "toolbar", "skip", "search", "header",
})
_WORD_SPLIT = re.compile(r"[\s_-]+")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def decode_html(data: bytes) -> tuple[str, str]:
    """Bytes to text: a BOM wins, then the page's own ``<meta charset>``, then strict UTF-8 and
    GB18030, then charset-normalizer. Returns the text and the encoding used."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace"), name
    if b"\x00" in data[:4096]:
        raise AdapterError(f"binary data, not an HTML page (wrong extension?{_looks_like(data)})")
    candidates: list[str] = []
    declared = _META_CHARSET.search(data[:16384])
    if declared:
        label = declared.group(1).decode("ascii", "replace").lower()
        label = "gb18030" if label in _GB_ALIASES else label
        with contextlib.suppress(LookupError):  # an unknown label: fall through to detection
            candidates.append(codecs.lookup(label).name)
    candidates += [name for name in ("utf-8", "gb18030") if name not in candidates]
    for name in candidates:
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is not None:
        return data.decode(best.encoding, errors="replace"), best.encoding
    return data.decode(candidates[0], errors="replace"), candidates[0]


def _looks_like(data: bytes) -> str:
    head = data[:8]
    if head.startswith(b"%PDF"):
        return " it looks like a PDF"
    if head.startswith(b"PK\x03\x04"):
        return " it looks like a zip/.docx file"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return " it looks like a legacy Word/Excel file"
    return ""


def _attr(node: Any, name: str) -> str:
    value = node.attributes.get(name)
    return value if isinstance(value, str) else ""


def _is_boilerplate(node: Any, inside_article: bool) -> bool:
    tag = node.tag
    if tag in ("header", "footer"):
        return not inside_article  # an article's own header carries the report title
    if _attr(node, "role").lower() in _BOILERPLATE_ROLES:
        return True
    if _attr(node, "hidden") or _attr(node, "aria-hidden") == "true" or _HIDDEN.search(_attr(node, "style")):
        return True
    names = f"{_attr(node, 'class')} {_attr(node, 'id')}".lower()
    if not names.strip():
        return False
    words = set(_WORD_SPLIT.split(names))
    if inside_article:
        words.discard("header")
    return not words.isdisjoint(_BOILERPLATE_WORDS)


def _children(node: Any) -> list[Any]:
    out = []
    child = node.child
    while child is not None:
        out.append(child)
        child = child.next
    return out


def _span_int(value: str) -> int:
    digits = re.match(r"\s*(\d+)", value or "")
    return int(digits.group(1)) if digits else 1


class _PageReader:
    """One pass over the DOM with an explicit stack, emitting blocks in reading order."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buffer: list[str] = []
        self.buffer_locator: Optional[str] = None
        self.counters: dict[str, int] = {}
        self.table_count = 0
        self.notes: list[str] = []
        self.layout_tables: set[int] = set()
        self.pictures: Optional[Callable[[str, str], list[Block]]] = None  # <img> → blocks (OCR)

    def find_layout_tables(self, root: Any) -> None:
        """Mark every table that holds another table: those are page layout, not data."""
        for inner in root.css("table table"):
            parent = inner.parent
            while parent is not None and parent.tag != "table":
                parent = parent.parent
            if parent is not None:
                self.layout_tables.add(parent.mem_id)

    def flush(self) -> None:
        text = clean_text("".join(self.buffer))
        if text:
            self.blocks.append(Block("text", text=text, span=Span(locator=self.buffer_locator)))
        self.buffer = []
        self.buffer_locator = None

    def add_text(self, text: str, locator: Optional[str], preformatted: bool) -> None:
        if preformatted and "\n" in text:
            first, *rest = text.split("\n")
            self.add_text(first, locator, False)
            for part in rest:
                self.flush()
                self.add_text(part, locator, False)
            return
        if not self.buffer and not text.strip():
            return
        if not self.buffer:
            self.buffer_locator = locator
        self.buffer.append(text.replace("\n", " "))

    def read(self, root: Any) -> list[Block]:
        # Stack items: (node, entering, inside_article); exits close block elements.
        stack: list[tuple[Any, bool, bool]] = [(root, True, False)]
        block_locators: list[str] = []
        pre_depth = 0
        while stack:
            node, entering, inside_article = stack.pop()
            tag = node.tag
            if not entering:
                if tag in _BLOCK_TAGS:
                    self.flush()
                    block_locators.pop()
                if tag == "pre":
                    pre_depth -= 1
                continue
            if tag == "-text":
                self.add_text(node.text_content or "", block_locators[-1] if block_locators else None,
                              pre_depth > 0)
                continue
            if tag is None or tag.startswith("-") or tag in _SKIP_TAGS:
                continue  # comments, doctype, scripts, navigation
            if _is_boilerplate(node, inside_article):
                continue
            self.counters[tag] = count = self.counters.get(tag, 0) + 1
            if tag == "table":
                self.table_count += 1
                if node.mem_id not in self.layout_tables:
                    self.flush()
                    self.read_table(node, f"table[{self.table_count}]")
                    continue
            if tag == "img" and self.pictures is not None:  # a table printed as a picture
                self.flush()
                self.blocks.extend(self.pictures(_attr(node, "src"), f"img[{count}]"))
                continue
            if tag in _BLOCK_TAGS:
                self.flush()
                block_locators.append(f"{tag}[{count}]")
                if tag == "br" or tag == "hr":
                    block_locators.pop()
                    continue
            if tag == "pre":
                pre_depth += 1
            stack.append((node, False, inside_article))
            now_inside = inside_article or tag in ("article", "main")
            stack.extend((child, True, now_inside) for child in reversed(_children(node)))
        self.flush()
        return self.blocks

    def read_table(self, table: Any, locator: str) -> None:
        """An innermost table: a grid if it holds data, otherwise its cells as paragraphs."""
        row_elements: list[Any] = []
        for child in _children(table):
            if child.tag == "caption":
                caption = clean_cell(_cell_text(child))
                if caption:
                    self.blocks.append(Block("text", text=caption, span=Span(locator=f"{locator}/caption")))
            elif child.tag in ("thead", "tbody", "tfoot"):
                row_elements.extend(tr for tr in _children(child) if tr.tag == "tr")
            elif child.tag == "tr":
                row_elements.append(child)
        rows = [self.read_row(tr, f"{locator}/tr[{r}]") for r, tr in enumerate(row_elements, start=1)]
        try:
            grid = hoist_shared_values(expand_grid(rows))
        except GridTooLarge as exc:
            raise AdapterError(f"{locator}: {exc}") from None
        if is_data_grid(drop_empty_rows(grid)):  # empty rows kept: a blank T4 row is still a row
            self.blocks.append(Block("table", rows=grid, span=Span(locator=locator)))
            return
        for row in grid:
            seen: set[int] = set()
            for cell in row:
                if cell.text and id(cell) not in seen:
                    seen.add(id(cell))
                    self.blocks.append(Block("text", text=cell.text, span=cell.span))

    def read_row(self, tr: Any, locator: str) -> list[SourceCell]:
        cells = []
        for index, td in enumerate((c for c in _children(tr) if c.tag in ("td", "th")), start=1):
            rowspan = _span_int(_attr(td, "rowspan"))
            cells.append(SourceCell(
                text=clean_cell(_cell_text(td)),
                rowspan=rowspan if rowspan > 0 else 1000,  # rowspan="0": to the end of the table
                colspan=_span_int(_attr(td, "colspan")),
                span=Span(locator=f"{locator}/{td.tag}[{index}]"),
            ))
        return cells


_PUBDATE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*$")


def _published_meta(tree: Any) -> Optional[Block]:
    """The page's ``<meta name="PubDate">``, as a ``发布日期：…`` line.

    Chinese government sites carry the article's publication time in this tag (the national
    site-design rules require it); the visible date often shares a line with the source
    (``来源：… 时间：2026-03-10 12:56``) and is not a date line of its own. Placed after the first
    block (the title, on these pages), where a report's date line would stand."""
    head = tree.head
    if head is None:
        return None
    for meta in head.css("meta"):
        if _attr(meta, "name").strip().lower() == "pubdate":
            match = _PUBDATE.match(_attr(meta, "content"))
            if match:
                return Block("text", text=f"发布日期：{match.group(1)}", span=Span(locator="meta[PubDate]"))
    return None


_VALUE_TEXT = re.compile(r"^[\s\d.,，+\-－—/／%无]*$")


def hoist_shared_values(grid: tuple[tuple[RawCell, ...], ...]) -> tuple[tuple[RawCell, ...], ...]:
    """Values merged over the sub-rows of a group go on a row of the group's own.

    CMS pages print 表三「（六）其他处理」 as one label cell ``rowspan=3`` beside its three
    sub-rows, and sometimes its values as ``rowspan=3`` cells too: one count for the three rows
    together. Laid out slot by slot, every sub-row would repeat the count (a 3 read three
    times). When a run of rows shares the same value cells and a label cell to their left spans
    exactly that run, the values are the group's: they go on a row labelled with the group
    (its label repeated over the sub-row label's column) and the sub-rows keep their labels with
    empty cells — as printed, the format's rows are not filled one by one."""
    out: list[tuple[RawCell, ...]] = []
    r = 0
    while r < len(grid):
        row = grid[r]
        run = _shared_value_run(grid, r)
        if run is None:
            out.append(row)
            r += 1
            continue
        end, first_value, group_col = run
        group = row[group_col]
        out.append(row[:group_col] + (group,) * (first_value - group_col) + row[first_value:])
        empty = RawCell("")
        out.extend(grid[i][:first_value] + (empty,) * (len(row) - first_value) for i in range(r, end))
        r = end
    return tuple(out)


def _shared_value_run(grid: tuple[tuple[RawCell, ...], ...], r: int) -> Optional[tuple[int, int, int]]:
    """``(end, first value column, group label column)`` when rows ``r..end-1`` share their
    trailing value cells (one merged cell each) under a group label spanning exactly them."""
    row = grid[r]
    if r + 1 >= len(grid) or len(grid[r + 1]) != len(row) or not row:
        return None
    below = grid[r + 1]
    first_value = len(row)
    while first_value > 0 and row[first_value - 1] is below[first_value - 1]:
        first_value -= 1
    values = row[first_value:]
    if len(values) < 2 or first_value < 2 or not all(_VALUE_TEXT.match(c.text) for c in values):
        return None
    if not any(c.text.strip() for c in values) or row[first_value - 1] is below[first_value - 1]:
        return None
    end = r + 1
    while end < len(grid) and len(grid[end]) == len(row) and all(
            grid[end][c] is row[c] for c in range(first_value, len(row))):
        end += 1
    for col in range(first_value - 2, -1, -1):
        cell = row[col]
        spans = all(grid[i][col] is cell for i in range(r, end))
        outside = (r > 0 and grid[r - 1][col] is cell) or (end < len(grid) and grid[end][col] is cell)
        if spans and not outside and cell.text.strip():
            return end, first_value, col
    return None


def _cell_text(node: Any) -> str:
    """A cell's text with a line break wherever a block element or ``<br>`` breaks it."""
    parts: list[str] = []
    stack = [(node, True)]
    while stack:
        current, entering = stack.pop()
        tag = current.tag
        if tag == "-text":
            parts.append((current.text_content or "").replace("\n", " "))
            continue
        if tag is None or tag.startswith("-") or tag in _SKIP_TAGS:
            continue
        if tag in _BLOCK_TAGS:
            parts.append("\n")
            if not entering or tag == "br":
                continue
            stack.append((current, False))
        stack.extend((child, True) for child in reversed(_children(current)))
    return "".join(parts)


class HtmlAdapter:
    """Reads ``.html``/``.htm`` pages into paragraphs and table grids."""

    name = "html"
    extensions = (".html", ".htm", ".xhtml", ".shtml")
    description = "web pages (any charset incl. GB2312/GBK; rowspan/colspan tables, nested layout tables)"

    def sniff(self, head: bytes) -> bool:
        return bool(_SNIFF.search(head[:2048])) and not head.lstrip().startswith(b"{")

    def read(self, path: str, data: bytes) -> Document:
        text, encoding = decode_html(data)
        if not text.strip():
            raise AdapterError("empty HTML page")
        if "<" not in text[:65536]:
            raise AdapterError("no HTML markup (a plain-text file named .html? rename it to .txt)")
        try:
            from selectolax.lexbor import LexborHTMLParser
        except ImportError:
            raise AdapterError("reading HTML needs selectolax: pip install selectolax") from None
        try:
            tree = LexborHTMLParser(text)
        except Exception as exc:  # the C parser signals allocation failures as generic errors
            raise AdapterError(f"HTML parser failed: {exc}") from None
        root = tree.body if tree.body is not None else tree.root
        if root is None:
            raise AdapterError("empty HTML page")
        from auditor.adapters.ocr.pictures import PagePictures

        reader = _PageReader()
        reader.pictures = pictures = PagePictures(path)
        reader.find_layout_tables(root)
        blocks = reader.read(root)
        published = _published_meta(tree)
        if published is not None and blocks:
            blocks.insert(1, published)
        notes = list(reader.notes) + pictures.finish()
        if not re.search(r"</html\s*>", text[-4096:], re.IGNORECASE):
            notes.append("page ends without </html>: it may be truncated")
        if not blocks:
            raise AdapterError("no report text in the page (only navigation, scripts or markup)")
        return Document(path=path, adapter=self.name, blocks=tuple(blocks), encoding=encoding,
                        notes=tuple(notes))


@hookimpl
def auditor_adapters() -> list[type]:
    return [HtmlAdapter]


@hookimpl
def auditor_claim(path: str, head: bytes, by: str):
    return claim(HtmlAdapter(), path, head, by)
