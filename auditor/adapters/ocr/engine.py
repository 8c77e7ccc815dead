"""The text recogniser behind the OCR route: RapidOCR (PP-OCRv4 models run on ONNX Runtime).

``rapidocr-onnxruntime`` 1.4 ships its detection and recognition models inside the wheel, so
nothing is downloaded at run time. One engine is built per process (workers each build their
own) and kept; building it takes about 0.1 s. ONNX Runtime would start one thread per core in
every worker, so worker processes are held to one thread each (``AUDITOR_OCR_THREADS`` sets it).
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
from collections.abc import Iterator
from typing import Any

from auditor.model import AdapterError

INSTALL_HINT = 'pip install "auditor[ocr]"'
_MODULE = "rapidocr_onnxruntime"


def available() -> bool:
    """True when the OCR extra is installed (checked without importing it)."""
    import importlib.util

    return importlib.util.find_spec(_MODULE) is not None


def _threads() -> int:
    configured = os.environ.get("AUDITOR_OCR_THREADS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    in_worker = multiprocessing.parent_process() is not None
    return 1 if in_worker else -1  # -1: ONNX Runtime's default, one thread per core


@functools.lru_cache(maxsize=1)
def engine() -> Any:
    """The process's RapidOCR instance; ``AdapterError`` naming the extra when it is missing."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        if _out_of_memory(exc):  # its native libraries could not be mapped under --memory-limit
            raise MemoryError(str(exc)) from None
        raise AdapterError(f"reading images needs the OCR extra: {INSTALL_HINT}") from None
    ocr = RapidOCR(intra_op_num_threads=_threads(), inter_op_num_threads=_threads())
    # Many short crops per page (table cells): larger batches cost less per crop.
    ocr.text_rec.rec_batch_num = 16
    return ocr


def detect(image: Any) -> list[Any]:
    """Text-line quadrilaterals (4×2 float arrays, pixel coordinates) in a BGR image."""
    with _memory_errors():
        boxes, _ = engine().text_det(image)
    return [] if boxes is None else list(boxes)


REC_HEIGHT = 48  # the PP-OCRv4 recogniser's input height
MIN_REC_WIDTH = 64
BATCH = 16


def recognize(crops: list[Any]) -> list[tuple[str, float]]:
    """Text and confidence (0–1) for each single-line greyscale crop, in order.

    RapidOCR pads every crop of a batch to at least 320 pixels wide; most crops here are table
    cells holding a few digits, so crops of similar shape are batched and padded only to the
    widest of their batch (the model takes any width), which makes a table page ~3× faster.
    """
    import cv2
    import numpy as np

    if not crops:
        return []
    rec = engine().text_rec
    ratios = [c.shape[1] / max(c.shape[0], 1) for c in crops]
    order = sorted(range(len(crops)), key=ratios.__getitem__)
    out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
    for start in range(0, len(order), BATCH):
        batch = order[start:start + BATCH]
        width = max(MIN_REC_WIDTH, int(np.ceil(REC_HEIGHT * max(ratios[i] for i in batch) / 8)) * 8)
        tensor = np.zeros((len(batch), 3, REC_HEIGHT, width), dtype=np.float32)
        for slot, index in enumerate(batch):
            w = min(width, max(1, int(np.ceil(REC_HEIGHT * ratios[index]))))
            line = cv2.resize(crops[index], (w, REC_HEIGHT)).astype(np.float32) / 127.5 - 1.0
            tensor[slot, :, :, :w] = line  # grey crop broadcast over the three channels
        with _memory_errors():
            predictions = rec.session(tensor)[0]
        for index, (text, score, *_) in zip(batch, rec.postprocess_op(predictions)):
            out[index] = (str(text), float(score))
    return out


# How ONNX Runtime and the loader say an allocation failed: C++'s bad_alloc inside a
# RuntimeException, its own arena message, or mmap's errno when a library is loaded.
_NO_MEMORY = ("bad_alloc", "Failed to allocate memory", "Cannot allocate memory", "failed to map segment")


def _out_of_memory(exc: BaseException) -> bool:
    return any(words in str(exc) for words in _NO_MEMORY)


@contextlib.contextmanager
def _memory_errors() -> Iterator[None]:
    """ONNX Runtime reports running out of memory (under ``--memory-limit``, or on the machine)
    as a RuntimeException about a node; raised as ``MemoryError`` it is named as the memory
    limit it is, not as a corrupt page."""
    try:
        yield
    except Exception as exc:
        if _out_of_memory(exc):
            raise MemoryError(str(exc).strip().splitlines()[-1][:300]) from None
        raise
