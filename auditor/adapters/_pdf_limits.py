"""Size checks a PDF must pass before PDFium parses it: compressed-stream bombs, absurd counts.

PDFium inflates a page's content stream and its fonts completely in memory when the page is
loaded, with no ceiling: a 2 MB file holding a 2 GB stream of zeros takes 3 GB of memory.
PDFium offers no hook to stop it, so the streams are measured first: every stream that starts
like zlib data is inflated here in small pieces, only counting the bytes (nested Flate layers
too), and the file is refused as soon as one stream or all of them together pass the limits.
Image streams are skipped: text extraction never decodes pixels.

What this does not measure (LZW or RunLength streams, streams inside an encrypted file) is left
to the per-worker memory cap of the batch runner.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from typing import Any

MAX_STREAM_BYTES = 64 * 2**20  # one inflated stream: a report page's content or a whole CJK font is far less
MAX_DECODED_BYTES = 512 * 2**20  # all inflated streams of one file together
MAX_OBJECTS = 1_000_000
_PIECE = 1 << 14
_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")
_DICT_LOOKBACK = 4096


class LimitError(ValueError):
    """A file over one of the limits above; the message is for users."""


def check_limits(data: bytes) -> None:
    """Raise ``LimitError`` when the file holds too many objects or inflates past the limits."""
    objects = sum(1 for _ in _OBJECT.finditer(data))
    if objects > MAX_OBJECTS:
        raise LimitError(f"PDF holds {objects} objects, over the {MAX_OBJECTS:,} limit")
    view = memoryview(data)
    total = 0
    for match in _STREAM.finditer(data):
        start = match.end()
        if not _looks_like_zlib(data[start:start + 2]):
            continue
        head = data[max(0, match.start() - _DICT_LOOKBACK):match.start()]
        head = head[head.rfind(b"obj") + 1:]
        if _IMAGE.search(head):
            continue
        total += _inflated_size(view[start:], min(MAX_STREAM_BYTES, MAX_DECODED_BYTES - total))
    view.release()


def _looks_like_zlib(head: bytes) -> bool:
    """The two-byte zlib header: deflate method, and a check value the header itself carries."""
    return len(head) == 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


def _inflated_size(data: memoryview, budget: int) -> int:
    """Bytes the stream inflates to, through nested Flate layers; ``LimitError`` past ``budget``."""
    layers = [zlib.decompressobj()]
    checked = [False]  # whether a layer's output was looked at for a further zlib header
    total = 0
    for position in range(0, len(data), _PIECE):
        if layers[0].eof:
            break
        pending = [bytes(data[position:position + _PIECE])]
        depth = 0
        while depth < len(layers) and pending:
            keep = depth + 1 < len(layers) or not checked[depth]
            produced: list[bytes] = []
            try:
                for piece in pending:
                    for out in _inflate(layers[depth], piece):
                        total += len(out)
                        if total > budget:
                            raise LimitError(_too_large(budget))
                        if keep:
                            produced.append(out)
            except zlib.error:
                if depth == 0:
                    return total  # damaged data: PDFium stops at the same place
                del layers[depth:], checked[depth:]  # not a nested layer after all
                break
            if not checked[depth] and produced:
                checked[depth] = True
                if depth == len(layers) - 1 and len(layers) < 4 and _looks_like_zlib(b"".join(produced)[:2]):
                    layers.append(zlib.decompressobj())  # compressed twice: measure the inner layer too
                    checked.append(False)
            pending = produced
            depth += 1
    return total


def _inflate(inflater: Any, piece: bytes) -> Iterator[bytes]:
    """Output of one input piece, in slices of at most ``_PIECE`` bytes."""
    out = inflater.decompress(piece, _PIECE)
    yield out
    while inflater.unconsumed_tail and not inflater.eof and out:
        out = inflater.decompress(inflater.unconsumed_tail, _PIECE)
        yield out


def _too_large(budget: int) -> str:
    if budget < MAX_STREAM_BYTES:
        return f"PDF streams inflate to more than {MAX_DECODED_BYTES // 2**20} MiB in all (a compression bomb?)"
    return f"a PDF stream inflates to more than {MAX_STREAM_BYTES // 2**20} MiB (a compression bomb?)"
