"""Running out of memory while reading pictures is named as the memory limit, not as a corrupt
page or a missing extra (a 6-page scan under ``--memory-limit`` said "PDF 文件损坏")."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.adapters.ocr import engine
from auditor.model import AdapterError


def test_onnx_runtimes_bad_alloc_becomes_memory_error():
    message = ("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while running "
               "Conv node. Name:'conv2d_451.tmp_0_nchwc' Status Message: std::bad_alloc")
    with pytest.raises(MemoryError, match="bad_alloc"), engine._memory_errors():
        raise RuntimeError(message)


def test_other_runtime_errors_pass_unchanged():
    with pytest.raises(ValueError, match="shape"), engine._memory_errors():
        raise ValueError("bad input shape")


def test_pdf_page_out_of_memory_is_not_reported_as_a_corrupt_page(monkeypatch):
    pytest.importorskip("pypdfium2")
    pytest.importorskip("reportlab")
    from auditor.adapters import _pdf_page as pdf
    from auditor.adapters.pdf import PdfAdapter
    from tests.adapters.builders import plan_from_text, to_pdf

    data = to_pdf(plan_from_text(Path(__file__).parents[2] / "examples" / "reports" / "000_60dfc1bb3c346b4a.txt"))

    def no_memory(*_args, **_kwargs):
        raise MemoryError("std::bad_alloc")

    monkeypatch.setattr(pdf, "read_page", no_memory)
    with pytest.raises(MemoryError):
        PdfAdapter().read("report.pdf", data)
    monkeypatch.setattr(pdf, "read_page", lambda *_a, **_k: (_ for _ in ()).throw(RuntimeError("broken")))
    with pytest.raises(AdapterError, match="corrupt PDF"):
        PdfAdapter().read("report.pdf", data)
