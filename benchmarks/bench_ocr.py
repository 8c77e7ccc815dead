"""OCR route: pages per second and cell accuracy on scanned copies of the generated reports.

    python benchmarks/bench_ocr.py [--dpi 150] [--seeds 000,001] [--tables-only] [-v]
    python benchmarks/bench_ocr.py --real /work/corpus/real [--save-scans]

Each seed's text-layer PDF (``tests/fixtures/adapters/seed*_t3_split_over_pages.pdf``) is
printed to pictures with a slight tilt, blur, grain and JPEG compression and bound into an
image-only PDF (``tests/adapters/ocr_scans.py``). Both are read by the PDF adapter and recognized;
a cell is right when the scanned copy's raw text equals the text version's. Findings of the
standard rules are compared as (rule, scope) sets. ``--tables-only`` scans only the pages that
hold tables (cells compared, findings not). Needs the OCR extra and reportlab-free fixtures only.

``--real DIR`` does the same for the real published PDFs of a corpus laid out as
``DIR/TRUTH-FORMAT.md`` describes, and checks every cell against the hand-typed truth (the text
layer's own reading is checked too, for comparison). ``--save-scans`` keeps each scanned copy as
``DIR/docs/ocr-<name>-scan.pdf`` with a truth file ``DIR/truth/ocr-<name>-scan.toml``.
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
    parser.add_argument("--real", type=Path, help="a real-report corpus folder (docs/, truth/)")
    parser.add_argument("--save-scans", action="store_true", help="with --real: keep the scans in the corpus")
    args = parser.parse_args()
    from auditor.engine import load_rules

    ruleset = load_rules()
    adapter = PdfAdapter()
    if args.real:
        real_corpus(args, adapter, ruleset)
        return
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


def _matches_truth(cell, want) -> bool:
    if cell is None:
        return False
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        return cell.state == "number" and cell.value is not None and abs(cell.value - want) < 1e-6
    kind = str(want).split(":", 1)[0]
    return cell.state == kind


def real_corpus(args, adapter, ruleset) -> None:
    """Scan each real PDF of the corpus and check the OCR'd cells against the hand-typed truth."""
    import hashlib

    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    print(f"{'document':28} {'pages':>5} {'s':>7} {'pages/s':>8} {'OCR cells':>16} {'text layer':>16} {'findings':>9}")
    for truth_path in sorted((args.real / "truth").glob("*.toml")):
        truth = tomllib.loads(truth_path.read_text(encoding="utf-8"))
        source = args.real / truth["file"]
        if truth_path.stem.startswith("ocr-") or source.suffix.lower() != ".pdf" or not source.exists():
            continue
        text_pdf = source.read_bytes()
        scanned = ocr_scans.scan_pdf(text_pdf, dpi=args.dpi, seed=7)
        started = time.perf_counter()
        got = recognize(adapter.read("scan.pdf", scanned))
        seconds = time.perf_counter() - started
        text = recognize(adapter.read(source.name, text_pdf))
        n_pages = _page_count(text_pdf)
        scores = {"ocr": [0, 0], "text": [0, 0]}
        for document in truth["documents"]:
            index = document["index"]
            for kind, reports in (("ocr", got), ("text", text)):
                report = reports[index] if index < len(reports) else None
                for cell_id, want in document.get("cells", {}).items():
                    cell = report.cells.get(cell_id) if report else None
                    scores[kind][1] += 1
                    if _matches_truth(cell, want):
                        scores[kind][0] += 1
                    elif args.verbose and kind == "ocr":
                        print(f"    {cell_id}: truth {want!r}, OCR {cell.raw if cell else None!r}"
                              f" (confidence {cell.confidence if cell else None})")
        same = "same" if findings(text, ruleset) == findings(got, ruleset) else "DIFFER"
        (ocr_right, ocr_total), (text_right, text_total) = scores["ocr"], scores["text"]
        print(f"{truth_path.stem:28} {n_pages:5d} {seconds:7.1f} {n_pages / seconds:8.3f} "
              f"{ocr_right:4d}/{ocr_total:<4d} {100 * ocr_right / max(ocr_total, 1):5.1f}% "
              f"{text_right:4d}/{text_total:<4d} {100 * text_right / max(text_total, 1):5.1f}% {same:>9}")
        if args.save_scans:
            name = f"ocr-{truth_path.stem.removesuffix('-pdf')}-scan"
            (args.real / "docs" / f"{name}.pdf").write_bytes(scanned)
            copied = truth_path.read_text(encoding="utf-8")
            copied = copied.replace(f'file = "{truth["file"]}"', f'file = "docs/{name}.pdf"', 1)
            copied = copied.replace(f'layout = "{truth.get("layout", "pdf")}"', 'layout = "pdf-scanned"', 1)
            copied = copied.replace(f'sha256 = "{truth["source"]["sha256"]}"',
                                    f'sha256 = "{hashlib.sha256(scanned).hexdigest()}"', 1)
            copied = copied.replace('notes = "', f'notes = "A scan made from {source.name} by '
                                    f'benchmarks/bench_ocr.py at {args.dpi} dpi (tilt, blur, grain, JPEG); '
                                    'the truth is the original\'s. ', 1)
            (args.real / "truth" / f"{name}.toml").write_text(copied, encoding="utf-8")


def _page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


if __name__ == "__main__":
    main()
