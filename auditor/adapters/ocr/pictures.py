"""``<img>`` pictures of a saved web page read by OCR, when the picture file sits beside it.

Portals often publish table 二/三/四 as pictures. A page saved with its pictures ("save page,
complete", or a scraper that downloads them) keeps each file in the page's folder or below it;
``src`` is resolved there — never fetched, never outside that folder. ``data:`` URIs are decoded
in place. Small pictures (icons, logos, bullets) are skipped; a page's pictures are limited in
number and size. Without the OCR extra the page is still read, and a note says what was left.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

from auditor.adapters.ocr import INSTALL_HINT, available
from auditor.model import Block, Span

MAX_PICTURES = 40
MAX_PICTURE_BYTES = 20 * 1024 * 1024
MIN_WIDTH, MIN_HEIGHT = 120, 40  # pixels: smaller pictures are icons, bullets, logos
_DATA_URI = re.compile(r"^data:image/[\w.+-]+;base64,(.*)$", re.IGNORECASE | re.DOTALL)


class PagePictures:
    """Called by the HTML reader for each ``<img>``: the picture's text and tables as blocks."""

    def __init__(self, page_path: str) -> None:
        self.folder = Path(page_path).resolve().parent
        self.read = 0
        self.skipped_without_ocr = 0
        self.notes: list[str] = []

    def __call__(self, src: str, locator: str) -> list[Block]:
        data = self._load(src)
        if data is None:
            return []
        picture = _open(data)
        if picture is None or picture.width < MIN_WIDTH or picture.height < MIN_HEIGHT:
            return []
        if not available():
            self.skipped_without_ocr += 1
            return []
        if self.read >= MAX_PICTURES:
            self.notes.append(f"{locator}: not read, the page has over {MAX_PICTURES} pictures")
            return []
        self.read += 1
        from auditor.adapters.ocr import read_image

        try:
            page = read_image(picture, dpi=None)
        except ValueError as exc:  # a picture too large to read
            self.notes.append(f"{locator}: {exc}")
            return []
        return _blocks(page, locator)

    def finish(self) -> list[str]:
        """Notes for the document: pictures left unread and why."""
        if self.skipped_without_ocr:
            self.notes.append(f"{self.skipped_without_ocr} picture(s) beside the page may hold tables; "
                              f"to read them: {INSTALL_HINT}")
        return self.notes

    def _load(self, src: str) -> Optional[bytes]:
        src = (src or "").strip()
        data_uri = _DATA_URI.match(src)
        if data_uri:
            if len(src) > MAX_PICTURE_BYTES * 4 // 3:
                return None
            try:
                return base64.b64decode(data_uri.group(1), validate=False)
            except (binascii.Error, ValueError):
                return None
        if not src:
            return None
        # A URL or a site-absolute path: the file may sit beside the page under its own name.
        path = unquote(urlsplit(src).path)
        for candidate in (path.lstrip("/"), os.path.basename(path)):
            if not candidate:
                continue
            target = (self.folder / candidate).resolve()
            if not target.is_relative_to(self.folder):
                continue  # never outside the page's folder
            try:
                if target.is_file() and target.stat().st_size <= MAX_PICTURE_BYTES:
                    return target.read_bytes()
            except OSError:
                continue
        return None


def _open(data: bytes):
    """The picture decoded by Pillow, or None when it is not one Pillow reads."""
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data))
            picture.load()
        return picture
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        return None


def _blocks(page, locator: str) -> list[Block]:
    """A picture's lines and tables as blocks, top to bottom."""
    placed: list[tuple[float, Block]] = []
    for line in page.lines:
        placed.append((line.top, Block("text", text=line.text, span=Span(locator=locator))))
    for number, table in enumerate(page.tables, start=1):
        span = Span(locator=f"{locator}/table[{number}]")
        placed.append((table.top, Block("table", rows=table.grid(span), span=span)))
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]

