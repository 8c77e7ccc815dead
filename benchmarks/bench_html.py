"""Size and render time of the HTML report for N reports (default 1,000): the seed reports
audited once, repeated under new names. Prints bytes per report and the page's size.

    python benchmarks/bench_html.py [N]
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

from auditor.engine import load_rules
from auditor.reporters.html import render_html
from auditor.runner import build_run
from auditor.worker import audit_file, slim

SEEDS = Path(__file__).resolve().parent.parent / "examples" / "reports"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    ruleset = load_rules()
    audited = [slim(doc) for path in sorted(SEEDS.glob("*.txt")) for doc in audit_file(str(path), ruleset)
               if doc.report is not None and doc.report.kind != "other"]
    docs = [dataclasses.replace(audited[i % len(audited)], path=f"reports/r{i}.txt") for i in range(count)]
    run = build_run(docs, ruleset)
    started = time.perf_counter()
    page = render_html(run)
    elapsed = time.perf_counter() - started
    size = len(page.encode("utf-8"))
    print(f"{count} reports: {size / 2**20:.1f} MiB, {size / count / 1024:.1f} KiB per report, "
          f"rendered in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
