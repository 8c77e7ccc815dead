"""Inputs the fuzzers found that broke a promise, kept as tests (each failed before its fix)."""

from __future__ import annotations

from tests.fuzz.targets import TARGETS, seed_inputs


def test_pdf_page_object_pdfium_cannot_load_is_an_adapter_error():
    # One byte inserted before "3 0 obj": PDFium opens the file but fails to load the page.
    data = seed_inputs("pdf")[0].replace(b"\n3 0 obj", b"\ne3 0 obj", 1)
    TARGETS["pdf"](data)


def test_docx_main_part_in_a_mistyped_namespace_is_an_adapter_error():
    xml = seed_inputs("docx-xml")[0].replace(b'xmlns:w="http://', b'xmlns:w="ittp://', 1)
    TARGETS["docx-xml"](xml)
