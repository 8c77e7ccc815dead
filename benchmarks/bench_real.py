"""What a worker spends on real published reports, by layout: prints a table, times no test.

    python benchmarks/bench_real.py [--docs DIR] [--rounds N]

The generated reports of ``bench_batch.py`` repeat four narratives and their label lines, which
the recognizer's per-text caches exploit; real files are larger and laid out otherwise (scraped
pages run into one line, CMS pages of ~160 KB). This reads every text, HTML and Markdown file
of the real corpus (``tests/fixtures/real/docs``, not committed: see ``SOURCES.md``) in one
process, as a pool worker does — adapter and recognizer, rules, localisation, the
cross-document signature — and prints CPU milliseconds per document for each layout, the best
of ``--rounds`` rounds after a warm-up (the per-text caches filled by the corpus itself, as in
a long batch). Scanned PDFs are left out: OCR dominates them (``bench_ocr.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.crossdoc import make_signature  # noqa: E402
from auditor.engine import load_rules  # noqa: E402
from auditor.reading import load_reports, read_bytes  # noqa: E402

LAYOUTS = {".txt": "text (scraped pages)", ".html": "HTML (CMS pages)", ".md": "Markdown (conversions)"}
STAGES = ("read + recognize", "rules", "localize", "signature")


def measure(files: list[Path], ruleset: object) -> dict[str, dict[str, float]]:
    """CPU seconds per layout and stage, one pass over ``files``."""
    spent: dict[str, dict[str, float]] = {}
    for path in files:
        data = read_bytes(str(path), 64 << 20)
        stages = spent.setdefault(path.suffix, dict.fromkeys(STAGES, 0.0))
        started = time.process_time()
        reports = load_reports(str(path), data)
        stages["read + recognize"] += time.process_time() - started
        for report in reports:
            started = time.process_time()
            outcomes = tuple(ruleset.evaluate(report, defer=True))  # type: ignore[attr-defined]
            stages["rules"] += time.process_time() - started
            started = time.process_time()
            tuple(ruleset.localize(report, outcomes))  # type: ignore[attr-defined]
            stages["localize"] += time.process_time() - started
            started = time.process_time()
            make_signature(report, ruleset)
            stages["signature"] += time.process_time() - started
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", default=str(ROOT / "tests" / "fixtures" / "real" / "docs"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = sorted(p for p in Path(args.docs).iterdir() if p.suffix in LAYOUTS)
    if not files:
        print(f"no text, HTML or Markdown document in {args.docs} (see tests/fixtures/real/SOURCES.md)")
        return 1
    ruleset = load_rules()
    measure(files, ruleset)  # warm-up: imports, compiled patterns, per-text caches
    best: dict[str, dict[str, float]] = {}
    for _ in range(max(1, args.rounds)):
        for suffix, stages in measure(files, ruleset).items():
            kept = best.setdefault(suffix, stages)
            if sum(stages.values()) < sum(kept.values()):
                best[suffix] = stages
    counts = {suffix: sum(1 for p in files if p.suffix == suffix) for suffix in best}
    sizes = {suffix: sum(p.stat().st_size for p in files if p.suffix == suffix) for suffix in best}
    print(f"### Real corpus: CPU ms per document (best of {args.rounds} rounds, {len(files)} files)\n")
    print("| layout | files | KB each | " + " | ".join(STAGES) + " | total |")
    print("|---|---:|---:|" + "---:|" * (len(STAGES) + 1))
    everything = 0.0
    for suffix, stages in best.items():
        n = counts[suffix]
        everything += sum(stages.values())
        cells = " | ".join(f"{stages[s] / n * 1000:.2f}" for s in STAGES)
        print(f"| {LAYOUTS[suffix]} | {n} | {sizes[suffix] / n / 1024:.0f} | {cells} | "
              f"{sum(stages.values()) / n * 1000:.2f} |")
    print(f"\nall layouts: {everything / len(files) * 1000:.2f} ms per document")
    return 0


if __name__ == "__main__":
    sys.exit(main())
