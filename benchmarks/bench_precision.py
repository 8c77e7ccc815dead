"""Precision as a measured property: per-rule precision/recall and the localisation hit rate.

Generated reports (``tests/precision/generator.py``), clean but for one injected defect of each
family, laid out in every text layout the pipeline reads, go through the whole pipeline (text
adapter, recognizer, standard packs, localiser). Prints, per rule, precision and recall over all
samples and over the samples the recognizer read faithfully (so a recognition slip is not taken
for a rule's); per slip kind, how often the slipped cell and its original value are among the
corrections (hit), offered alone (unique) and named right; then every miss. Not a test.

    .venv/bin/python benchmarks/bench_precision.py [--seeds N] [--markdown]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.engine import load_rules  # noqa: E402
from tests.precision.generator import FAMILIES, LAYOUTS, samples  # noqa: E402
from tests.precision.measure import Outcome, reading_score, rule_scores, run, slip_scores  # noqa: E402


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    return "\n".join("  ".join(str(x).ljust(w) for x, w in zip(r, widths)) for r in [header, *rows])


def _ratio(value: Optional[float]) -> str:
    return "—" if value is None else f"{value:.2f}"


def _miss_lines(outcomes: list[Outcome]) -> list[str]:
    lines = []
    for o in outcomes:
        where = f"{o.sample.family} / {o.sample.layout} / seed {o.sample.seed}"
        wrong = []
        if o.error:
            wrong.append(o.error)
        warned = sorted(r for r in o.false_positives if r.startswith("READ-") and not o.faithful)
        wrongly = sorted(o.false_positives - set(warned))
        if wrongly:
            wrong.append("fired wrongly: " + ", ".join(wrongly))
        if warned:
            wrong.append("reading refused, said by " + ", ".join(warned))
        if o.false_negatives:
            wrong.append("missed: " + ", ".join(sorted(o.false_negatives)))
        if o.sample.defect.slipped and o.hit() is None:
            wanted = ", ".join(f"{cid}={value}" for cid, value in o.sample.defect.slipped.items())
            offered = "; ".join(c.message for c in o.corrections) or "no correction"
            wrong.append(f"not localised (wanted {wanted}; offered: {offered})")
        if not wrong:
            continue
        cause = f" — recognizer misread {len(o.misread)} cells, e.g. {o.misread[0]}" if o.misread else ""
        lines.append(f"  {where}: {'; '.join(wrong)}{cause}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="samples per family and layout")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown (for the README)")
    args = parser.parse_args()

    ruleset = load_rules()
    rules = [r.id for r in ruleset.rules]
    start = time.perf_counter()
    outcomes = [run(s, ruleset) for s in samples(range(args.seeds))]
    elapsed = time.perf_counter() - start
    faithful = sum(o.faithful for o in outcomes)
    print(f"{len(outcomes)} samples ({len(FAMILIES)} families × {len(LAYOUTS)} layouts × {args.seeds} seeds), "
          f"{faithful} read faithfully by the recognizer; {elapsed:.1f} s, "
          f"{elapsed / len(outcomes) * 1000:.1f} ms per report end to end\n")

    every, read_right = rule_scores(outcomes, rules), rule_scores(outcomes, rules, faithful_only=True)
    # Rules this corpus gives nothing to measure (cross-document, narrative, content: their own
    # benchmarks) are left out; the reading warnings are scored together against the misreads.
    measured = [r for r in rules if not r.startswith("READ-") and every[r].tp + every[r].fp + every[r].fn]
    rows = [[rule, _ratio(every[rule].precision), _ratio(every[rule].recall), str(every[rule].tp + every[rule].fn),
             _ratio(read_right[rule].precision), _ratio(read_right[rule].recall),
             str(read_right[rule].tp + read_right[rule].fn)] for rule in measured]
    reading = reading_score(outcomes)
    rows.append(["READ-* (on misreads)", _ratio(reading.precision), _ratio(reading.recall),
                 str(reading.tp + reading.fn), "—", "—", "0"])
    print(_table(["rule", "precision", "recall", "should fail", "precision (read right)", "recall (read right)",
                  "should fail (read right)"], rows, args.markdown))
    unmeasured = [r for r in rules if r not in measured and not r.startswith("READ-")]
    if unmeasured:
        print(f"not measured here (nothing injected for them): {', '.join(unmeasured)}")
    print()
    slips = slip_scores(outcomes)
    rows = []
    for family, c in slips.items():
        n = c["samples"]
        rows.append([family, str(n), f"{c['hit'] / n:.2f}", f"{c['unique'] / n:.2f}", f"{c['named'] / n:.2f}"])
    print(_table(["slip", "samples", "hit", "unique", "named"], rows, args.markdown))
    misses = _miss_lines(outcomes)
    print(f"\nmisses: {len(misses)}")
    causes = Counter("recognizer" if "recognizer misread" in m else "rules/localiser" for m in misses)
    if misses:
        print("  by cause: " + ", ".join(f"{k} {v}" for k, v in causes.items()))
    print("\n".join(misses))


if __name__ == "__main__":
    main()
