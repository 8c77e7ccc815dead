"""PDF adapter: pages per second per core, and cells read right, against the former pdfminer route.

    python benchmarks/bench_pdf.py [--seconds 2] [--corpus /work/corpus/real] [--no-old]

Inputs, each read by both routes in the same run:

- real PDFs: ``<corpus>/docs/*.pdf``, with the truth file of ``<corpus>/truth/`` naming it
  (``file = "docs/<name>"``) that lists every cell as printed (see the corpus's
  TRUTH-FORMAT.md), and the real 淮安 PDF in ``../shared/real`` when the corpus lacks it;
- generated PDFs: the committed seed renderings (``tests/fixtures/adapters/seed*.pdf``) and the
  seeds drawn with the Word quirks of ``tests/adapters/test_pdf_quirks.py`` (a title cut inside
  the agency name, justified paragraphs wrapped anywhere, table 三 with a row cut by a page
  break); their truth is the recognized text seed.

Speed is adapter time only (``read``, no recognition), measured as process CPU time, so it is
per core whatever else runs on the machine. Cell accuracy is over the truth's cells: a cell is
right when the recognized value, state and (for text and placeholders) the raw text agree.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "adapters"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from auditor.adapters.pdf import PdfAdapter  # noqa: E402
from auditor.model import AdapterError, Document, Report  # noqa: E402
from auditor.recognize import recognize  # noqa: E402

Truth = dict[str, tuple[Any, str, Optional[str]]]  # cell id -> (value, state, raw for text/placeholder)


def _toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _document_of(truth: Path) -> str:
    """The ``file`` a truth file describes (``docs/<name>``)."""
    try:
        return str(_toml(truth).get("file", ""))
    except ValueError:
        return ""


def _truth_from_toml(path: Path) -> list[Truth]:
    data = _toml(path)
    documents = []
    for document in data.get("documents", []):
        if document.get("kind", "annual-report") != "annual-report":
            continue
        cells: Truth = {}
        for cell_id, value in document.get("cells", {}).items():
            if isinstance(value, (int, float)):
                cells[cell_id] = (value, "number", None)
            elif value == "blank":
                cells[cell_id] = (None, "blank", None)
            elif value.startswith("placeholder:"):
                cells[cell_id] = (None, "placeholder", value.split(":", 1)[1])
            else:
                cells[cell_id] = (None, "text", value.split(":", 1)[1] if ":" in value else value)
        documents.append(cells)
    return documents


def _truth_from_reports(reports: list[Report]) -> list[Truth]:
    return [{cid: (c.value, c.state, c.raw if c.state in ("text", "placeholder") else None)
             for cid, c in r.cells.items()} for r in reports if r.kind == "annual-report"]


def corpus(real: Path) -> list[tuple[str, str, bytes, Optional[list[Truth]]]]:
    """(group, name, bytes, truth per annual report or None) for every input found."""
    import builders

    files: list[tuple[str, str, bytes, Optional[list[Truth]]]] = []
    truths = {_document_of(t): t for t in sorted((real / "truth").glob("*.toml"))}
    for pdf in sorted((real / "docs").glob("*.pdf")):
        truth = truths.get(f"docs/{pdf.name}")
        files.append(("real", pdf.name, pdf.read_bytes(), _truth_from_toml(truth) if truth else None))
    shared = builders.REAL / "淮安市人民政府2024年政府信息公开工作年度报告.pdf"
    if shared.exists() and not any(name == shared.name for _, name, _, _ in files):
        files.append(("real", shared.name, shared.read_bytes(), None))
    seeds = {seed.stem.split("_")[0]: _truth_from_reports(builders.text_reports(seed)) for seed in builders.SEEDS}
    for pdf in sorted(builders.FIXTURES.glob("seed*.pdf")):
        files.append(("generated", pdf.name, pdf.read_bytes(), seeds[pdf.stem[4:7]]))
    try:
        from test_pdf_quirks import _quirky_report
    except Exception:  # reportlab or pytest missing
        print("(reportlab not installed: the quirk renderings are left out)")
        return files
    for seed in builders.SEEDS:
        stem = seed.stem.split("_")[0]
        reports = builders.text_reports(seed)
        data = _quirky_report(builders.plan_from_text(seed), reports[0].agency or "")
        files.append(("generated", f"seed{stem}_word_quirks.pdf", data, seeds[stem]))
    return files


def pages_of(data: bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def cpu_per_read(read: Callable[[str, bytes], Document], name: str, data: bytes, seconds: float) -> float:
    """Process CPU seconds for one ``read`` (repeated for at least ``seconds``)."""
    read(name, data)  # warm up: imports, font caches
    runs = 0
    started = time.process_time()
    while True:
        read(name, data)
        runs += 1
        spent = time.process_time() - started
        if spent >= seconds:
            return spent / runs


def cells_right(document: Document, truth: list[Truth]) -> tuple[int, int]:
    """(right, total) over the truth's cells, report by report in file order."""
    got = _truth_from_reports(recognize(document))
    right = total = 0
    for index, expected in enumerate(truth):
        found = got[index] if index < len(got) else {}
        total += len(expected)
        right += sum(1 for cid, cell in expected.items() if _same(found.get(cid), cell))
    return right, total


def _same(found: Optional[tuple[Any, str, Optional[str]]], expected: tuple[Any, str, Optional[str]]) -> bool:
    if found is None:
        return False
    if expected[1] == "number":
        return found[1] == "number" and found[0] is not None and abs(found[0] - expected[0]) < 1e-6
    return found[1] == expected[1] and (expected[2] is None or found[2] == expected[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="CPU time per file and route")
    parser.add_argument("--corpus", type=Path, default=Path("/work/corpus/real"), help="real corpus (docs/, truth/)")
    parser.add_argument("--no-old", action="store_true", help="skip the former pdfminer route")
    args = parser.parse_args()
    routes: dict[str, Callable[[str, bytes], Document]] = {"pdfium": PdfAdapter().read}
    if not args.no_old:
        try:
            import pdfplumber  # noqa: F401
            from _pdfminer_route import PdfminerRoute
            routes["pdfminer"] = PdfminerRoute().read
        except ImportError:
            print("(pdfplumber not installed: the former route is left out)")
    files = corpus(args.corpus)
    header = f"{'group':9} {'file':46} {'pages':>5}"
    for route in routes:
        header += f" {route + ' p/s':>13} {'cells':>9}"
    print(header)
    totals = {route: [0.0, 0, 0, 0] for route in routes}  # cpu, pages, right, cells
    for group, name, data, truth in files:
        pages = pages_of(data)
        line = f"{group:9} {name[:46]:46} {pages:5d}"
        for route, read in routes.items():
            try:
                cpu = cpu_per_read(read, name, data, args.seconds)
                right, total = cells_right(read(name, data), truth) if truth else (0, 0)
            except AdapterError as exc:
                line += f" {'error':>13} {str(exc)[:9]:>9}"
                continue
            totals[route][0] += cpu
            totals[route][1] += pages
            totals[route][2] += right
            totals[route][3] += total
            cells = f"{right}/{total}" if truth else "-"
            line += f" {pages / cpu:13.1f} {cells:>9}"
        print(line, flush=True)
    print()
    for route, (cpu, pages, right, total) in totals.items():
        accuracy = f"{100 * right / total:.2f}% of {total} cells right" if total else "no truth"
        print(f"{route:9} {pages / cpu if cpu else 0:8.1f} pages/s per core over {pages} pages; {accuracy}")


if __name__ == "__main__":
    main()
