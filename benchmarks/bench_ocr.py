"""OCR route: pages per second and cell accuracy on scanned copies of the generated reports.

    python benchmarks/bench_ocr.py [--dpi 150] [--seeds 000,001] [--tables-only] [-v]

Each seed's text-layer PDF (``tests/fixtures/adapters/seed*_t3_split_over_pages.pdf``) is
printed to pictures with a slight tilt, blur, grain and JPEG compression and bound into an
image-only PDF (``tests/adapters/ocr_scans.py``). Both are read by the PDF adapter and recognized;
a cell is right when the scanned copy's raw text equals the text version's. Findings of the
standard rules are compared as (rule, scope) sets. ``--tables-only`` scans only the pages that
hold tables (cells compared, findings not). Needs the OCR extra and reportlab-free fixtures only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "adapters"))

import builders  # noqa: E402
import ocr_scans  # noqa: E402

from auditor.adapters.pdf import PdfAdapter  # noqa: E402
from auditor.model import Report  # noqa: E402
from auditor.recognize import recognize  # noqa: E402


def table_pages(document) -> list[int]:
    """0-based pages holding a table block of ``document``."""
    pages = {cell.span.page for block in document.blocks if block.kind == "table"
             for row in block.rows for cell in row if cell.span.page}
    return sorted(p - 1 for p in pages)


def findings(reports: list[Report], ruleset) -> set[tuple[str, int, str]]:
    out = set()
    for index, report in enumerate(reports):
        for outcome in ruleset.evaluate(report):
            for finding in outcome.findings:
                out.add((finding.rule, index, ",".join(f"{k}={v}" for k, v in sorted(finding.scope.items()))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--seeds", default="", help="comma-separated seed numbers (default: all)")
    parser.add_argument("--tables-only", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every wrong cell")
    args = parser.parse_args()
    from auditor.engine import load_rules

    ruleset = load_rules()
    adapter = PdfAdapter()
    wanted = set(filter(None, args.seeds.split(",")))
    total_pages = total_seconds = 0.0
    right = cells = 0
    print(f"{'seed':6} {'pages':>5} {'s':>7} {'pages/s':>8} {'cells':>11} {'findings':>9}")
    for fixture in sorted(builders.FIXTURES.glob("seed*_t3_split_over_pages.pdf")):
        seed = fixture.name[4:7]
        if wanted and seed not in wanted:
            continue
        text_pdf = fixture.read_bytes()
        text_document = adapter.read(fixture.name, text_pdf)
        pages = table_pages(text_document) if args.tables_only else None
        scanned = ocr_scans.scan_pdf(text_pdf, dpi=args.dpi, seed=int(seed) + 1, pages=pages)
        started = time.perf_counter()
        document = adapter.read("scan.pdf", scanned)
        seconds = time.perf_counter() - started
        n_pages = len(pages) if pages is not None else _page_count(text_pdf)
        expected, got = recognize(text_document), recognize(document)
        seed_right = seed_cells = 0
        for want, have in zip(expected, got):
            for cell_id, cell in want.cells.items():
                seed_cells += 1
                other = have.cells.get(cell_id)
                if other is not None and other.raw == cell.raw:
                    seed_right += 1
                elif args.verbose:
                    print(f"    {cell_id}: {cell.raw!r} read as {other.raw if other else None!r}"
                          f" (confidence {other.confidence if other else None})")
        same = "-" if args.tables_only else ("same" if findings(expected, ruleset) == findings(got, ruleset)
                                              else "DIFFER")
        if len(expected) != len(got):
            same = f"{len(got)}≠{len(expected)} docs"
        print(f"{seed:6} {n_pages:5d} {seconds:7.1f} {n_pages / seconds:8.3f} "
              f"{seed_right:4d}/{seed_cells:<4d} {100 * seed_right / max(seed_cells, 1):5.1f}% {same}")
        total_pages += n_pages
        total_seconds += seconds
        right += seed_right
        cells += seed_cells
    print(f"{'all':6} {int(total_pages):5d} {total_seconds:7.1f} {total_pages / max(total_seconds, 1e-9):8.3f} "
          f"{right:4d}/{cells:<4d} {100 * right / max(cells, 1):5.1f}%")


def _page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


if __name__ == "__main__":
    main()
