"""Scanned copies of generated reports, for the OCR route's tests and benchmark.

A text-layer PDF (``builders.to_pdf``) is printed to greyscale pictures by PDFium, each page
turned by a slight tilt (a different one per page, as a sheet fed by hand), blurred, given a
little sensor noise and JPEG compression, and bound into a PDF that holds only the pictures —
what a scanner's "scan to PDF" produces. Table pictures for web pages are drawn with PIL and a
CJK font from Debian (``fonts-noto-cjk`` or ``fonts-wqy-zenhei``).
"""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Optional

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)


def cjk_font() -> Optional[Path]:
    return next((Path(p) for p in FONT_CANDIDATES if Path(p).exists()), None)


def degrade(picture, *, tilt: float, blur: float = 0.8, noise: float = 6.0, seed: int = 0):
    """A clean greyscale page as a scanner returns it: tilted, soft, grainy."""
    import numpy as np
    from PIL import Image, ImageFilter

    page = picture.convert("L").rotate(tilt, resample=Image.BICUBIC, fillcolor=255)
    page = page.filter(ImageFilter.GaussianBlur(blur))
    rng = np.random.default_rng(seed)
    grain = rng.normal(0.0, noise, size=(page.height, page.width))
    pixels = np.clip(np.asarray(page, dtype=np.float32) * 0.97 + 4 + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, mode="L")


def scan_pdf(pdf: bytes, *, dpi: int = 150, max_tilt: float = 1.0, seed: int = 1,
             pages: Optional[list[int]] = None) -> bytes:
    """An image-only PDF of ``pdf``'s pages (or the 0-based ``pages`` chosen) at ``dpi``."""
    import pypdfium2 as pdfium

    rng = random.Random(seed)
    document = pdfium.PdfDocument(pdf)
    scanned = []
    try:
        for index in pages if pages is not None else range(len(document)):
            clean = document[index].render(scale=dpi / 72, grayscale=True).to_pil()
            tilt = rng.uniform(0.3, max_tilt) * rng.choice((-1, 1))
            scanned.append(degrade(clean, tilt=tilt, seed=seed * 1000 + index))
    finally:
        document.close()
    return bind(scanned, dpi)


def bind(pictures: list, dpi: int) -> bytes:
    """Pictures as the pages of a PDF with no text layer (JPEG-compressed, like a scanner's)."""
    from PIL import Image

    pages = []
    for picture in pictures:
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=80)
        pages.append(Image.open(io.BytesIO(buffer.getvalue())))
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return out.getvalue()


def table_picture(rows: list[list[str]], *, ruled: bool = True, font_size: int = 22,
                  spans: Optional[dict[tuple[int, int], tuple[int, int]]] = None, tilt: float = 0.0):
    """A table drawn as a web page's picture: ``rows`` of cell texts, optional merged cells
    ``spans[(row, col)] = (rowspan, colspan)`` (covered slots hold ``""``), with or without
    ruling lines."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = cjk_font()
    if font_path is None:
        raise RuntimeError("no CJK font: apt-get install fonts-noto-cjk")
    font = ImageFont.truetype(str(font_path), font_size)
    spans = spans or {}
    n_cols = max(len(r) for r in rows)
    pad = font_size // 2
    widths = [0] * n_cols
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if spans.get((r, c), (1, 1))[1] == 1:
                widths[c] = max(widths[c], int(font.getlength(text)) + 2 * pad)
    widths = [max(w, 3 * font_size) for w in widths]
    row_h = font_size + 2 * pad
    xs = [20]
    for w in widths:
        xs.append(xs[-1] + (w if ruled else w + 2 * font_size))
    ys = [20 + r * row_h for r in range(len(rows) + 1)]
    picture = Image.new("L", (xs[-1] + 20, ys[-1] + 20), 255)
    draw = ImageDraw.Draw(picture)
    covered: set[tuple[int, int]] = set()
    for (r, c), (rs, cs) in spans.items():
        covered |= {(r + dr, c + dc) for dr in range(rs) for dc in range(cs)} - {(r, c)}
    for r, row in enumerate(rows):
        for c in range(n_cols):
            if (r, c) in covered:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            x0, y0, x1, y1 = xs[c], ys[r], xs[min(c + cs, n_cols)], ys[min(r + rs, len(rows))]
            if ruled:
                draw.rectangle((x0, y0, x1, y1), outline=0, width=2)
            text = row[c] if c < len(row) else ""
            if text:
                draw.text((x0 + pad, (y0 + y1) / 2), text, font=font, fill=0, anchor="lm")
    if tilt:
        picture = picture.rotate(tilt, resample=Image.BICUBIC, fillcolor=255, expand=True)
    return picture
