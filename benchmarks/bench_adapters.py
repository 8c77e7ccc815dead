"""Parse throughput and peak memory per adapter, so the cost of each format is known.

    python benchmarks/bench_adapters.py [--seconds 3]

Inputs are the seeds rendered by ``tests/adapters/builders.py`` (HTML with merged headers, the
portal page, DOCX with merged cells, PDF with a table split over pages), the real 淮安 PDF
when ``../shared/real`` is present, and the text seeds for comparison. For each adapter: documents
per second and MB/s of input over repeated ``adapter.read`` calls (adapter only, no recognition),
and the peak Python heap of one read (tracemalloc; PDFium's and lxml's C heaps are not counted,
so the process's max RSS is printed too).
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "adapters"))

import builders  # noqa: E402

from auditor.adapters.docx import DocxAdapter  # noqa: E402
from auditor.adapters.html import HtmlAdapter  # noqa: E402
from auditor.adapters.json import JsonAdapter  # noqa: E402
from auditor.adapters.pdf import PdfAdapter  # noqa: E402
from auditor.adapters.text import TextAdapter  # noqa: E402


def corpus() -> dict[str, tuple[object, list[tuple[str, bytes]]]]:
    plans = [(seed.stem, builders.plan_from_text(seed)) for seed in builders.SEEDS]
    pdfs = [(p.name, p.read_bytes()) for p in sorted(builders.FIXTURES.glob("seed*_t3_split_over_pages.pdf"))]
    real = builders.REAL / "淮安市人民政府2024年政府信息公开工作年度报告.pdf"
    if real.exists():
        pdfs.append((real.name, real.read_bytes()))
    import json

    from auditor.reading import load_reports

    return {
        "text": (TextAdapter(), [(s.name, s.read_bytes()) for s in builders.SEEDS]),
        "html": (HtmlAdapter(), [(n, builders.to_html(p)) for n, p in plans]
                 + [(n + "-portal-gbk", builders.to_html(p, encoding="gbk", portal=True)) for n, p in plans]),
        "docx": (DocxAdapter(), [(n, builders.to_docx(p)) for n, p in plans]),
        "pdf": (PdfAdapter(), pdfs),
        "json": (JsonAdapter(), [(s.name, json.dumps({"documents": [r.to_json() for r in load_reports(s)]},
                                                      ensure_ascii=False).encode()) for s in builders.SEEDS]),
    }


def measure(adapter, files: list[tuple[str, bytes]], seconds: float) -> tuple[float, float, float]:
    """(documents/s, MB/s, peak traced MiB of the largest single read)."""
    for name, data in files:  # warm up: imports, caches
        adapter.read(name, data)
    count = 0
    size = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for name, data in files:
            adapter.read(name, data)
            count += 1
            size += len(data)
    elapsed = time.perf_counter() - started
    peak = 0
    for name, data in files:
        gc.collect()
        tracemalloc.start()
        adapter.read(name, data)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return count / elapsed, size / elapsed / 1e6, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per adapter")
    args = parser.parse_args()
    print(f"{'adapter':8} {'files':>5} {'avg KiB':>8} {'docs/s':>9} {'MB/s':>8} {'peak MiB':>9}")
    for name, (adapter, files) in corpus().items():
        rate, mbps, peak = measure(adapter, files, args.seconds)
        average = sum(len(d) for _, d in files) / len(files) / 1024
        print(f"{name:8} {len(files):5d} {average:8.1f} {rate:9.1f} {mbps:8.2f} {peak:9.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
