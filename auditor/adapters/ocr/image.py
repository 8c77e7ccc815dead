"""Page pictures as arrays: greyscale, ink mask, and the tilt of a scan taken out.

Skew is found by the projection profile: rotated by the right angle, text lines and ruling lines
fall into sharp rows of ink, so the row sums vary most. Searching a small range on a quarter-size
copy costs a few milliseconds and needs no text detection.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

MAX_SKEW = 3.0  # degrees: a scan tilted more than this is not "slightly" tilted
MAX_PIXELS = 60_000_000  # ~ an A3 page at 400 dpi; larger images are refused


def to_gray(picture: Any) -> np.ndarray:
    """A PIL image or an array as 8-bit greyscale (transparency composited on white)."""
    if hasattr(picture, "mode"):  # PIL
        if picture.mode in ("RGBA", "LA", "P"):
            picture = picture.convert("RGBA")
            from PIL import Image

            background = Image.new("RGBA", picture.size, (255, 255, 255, 255))
            picture = Image.alpha_composite(background, picture)
        picture = np.asarray(picture.convert("L"))
    array = np.asarray(picture)
    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_BGR2GRAY if array.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
    if array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    if array.size > MAX_PIXELS:
        raise ValueError(f"image of {array.shape[1]}×{array.shape[0]} pixels is over the OCR limit")
    return np.ascontiguousarray(array)


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark pixels as 255 on 0. Local (adaptive) thresholding copes with uneven scan lighting
    and grey paper; a pure-white margin stays clean."""
    block = max(15, (min(gray.shape) // 40) | 1)
    local = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12)
    _, global_ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return cv2.bitwise_and(local, global_)


def _profile_score(ink: np.ndarray, angle: float) -> float:
    h, w = ink.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = rotated.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def skew_angle(ink: np.ndarray) -> float:
    """The rotation (degrees, OpenCV's sense) that levels the page's lines."""
    h, w = ink.shape
    factor = min(1.0, 700.0 / max(w, 1))
    small = cv2.resize(ink, (max(1, int(w * factor)), max(1, int(h * factor))), interpolation=cv2.INTER_AREA)
    if not small.any():
        return 0.0
    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25), key=lambda a: _profile_score(small, a))
    fine = max(np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05), key=lambda a: _profile_score(small, a))
    return float(round(fine, 2))


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """The page turned by ``angle`` degrees about its centre, new corners filled white."""
    if abs(angle) < 0.01:
        return gray
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def text_scale(ink: np.ndarray) -> float:
    """Pixels per point judged from the text, for pictures of unknown resolution: glyphs of
    body and table text are 9–12 pt tall, and the taller glyph components measure that."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = [int(h) for _, _, w, h, area in stats[1:count] if area >= 6 and 4 <= h <= 200 and w <= 3 * h]
    if len(heights) < 5:
        return 96 / 72
    tall = float(np.percentile(heights, 80))
    return float(min(6.0, max(0.8, tall / 10.0)))
