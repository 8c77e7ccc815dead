"""Cell accuracy and findings on the real-report corpus, against truth typed by hand.

    python benchmarks/bench_corpus.py [--corpus DIR] [--docs DIR] [--verbose]

The corpus is ``tests/fixtures/real/``: ``truth/*.toml`` (committed) and ``docs/`` holding the
published files they describe (not committed: public material, listed with its source in
``tests/fixtures/real/SOURCES.md``). A truth file whose document is absent is counted as skipped.
Prints, per document: cells right of cells typed (and how many the recognizer refused to read,
saying why), the wrong ones, and the standard packs' findings against the findings a careful
reader expects (``expected_findings``; warnings such as STRUCT-HEADING and CELL-BLANK are
compared only where the truth lists them).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.engine import load_rules  # noqa: E402
from tests.realcorpus import CORPUS, DOC_DIRS, DocumentScore, Score, score_corpus  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=os.environ.get("AUDITOR_REAL_CORPUS", str(CORPUS)))
    parser.add_argument("--docs", action="append", help="folder of the documents (default: CORPUS/docs, ../shared/real)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every wrong cell")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    dirs = [Path(d) for d in args.docs] if args.docs else [corpus / "docs", *DOC_DIRS[1:]]
    totals = Score()
    per_layout: dict[str, Score] = {}
    documents = skipped = 0
    rows = []
    for result in score_corpus(load_rules(), corpus, dirs):
        if not isinstance(result, DocumentScore):
            skipped += 1
            rows.append((result, "-", "document absent", "", ""))
            continue
        documents += 1
        score = result.score
        totals.cells += score.cells
        totals.right += score.right
        totals.refused += score.refused
        layout = per_layout.setdefault(result.layout, Score())
        layout.cells += score.cells
        layout.right += score.right
        layout.refused += score.refused
        totals.expected |= {f"{result.truth}#{result.index}:{k}" for k in score.expected}
        totals.found |= {f"{result.truth}#{result.index}:{k}" for k in score.found}
        refused = f" ({score.refused}?)" if score.refused else ""
        rows.append((result.truth, str(result.index), f"{score.right}/{score.cells}{refused}",
                     " ".join(sorted(score.missed)) or "-", " ".join(sorted(score.extra)) or "-"))
        if score.wrong:
            shown = score.wrong if args.verbose else score.wrong[:4]
            more = "" if args.verbose or len(score.wrong) <= 4 else f", … ({len(score.wrong)})"
            rows.append(("", "", "wrong: " + ", ".join(shown) + more, "", ""))
    width = max((len(r[0]) for r in rows), default=10)
    print(f"{'document':<{width}}  #  cells right (refused?)  missed findings / extra findings")
    for name, index, cells, missed, extra in rows:
        if cells.startswith("wrong:"):
            print(f"{'':<{width}}     {cells}")
        else:
            print(f"{name:<{width}}  {index:<2} {cells:<22} {missed} / {extra}")
    accuracy = totals.right / totals.cells if totals.cells else 0.0
    tp = len(totals.found & totals.expected)
    extra = len(totals.found - totals.expected)
    precision = tp / (tp + extra) if tp + extra else 1.0
    recall = tp / len(totals.expected) if totals.expected else 1.0
    wrong = totals.cells - totals.right - totals.refused
    print()
    print(f"documents {documents} (truth files without their document: {skipped})")
    print(f"cells right {totals.right}/{totals.cells} = {accuracy:.2%}; refused (reported as unreadable) "
          f"{totals.refused}; wrong {wrong} = {wrong / max(totals.cells, 1):.2%}")
    for name, part in sorted(per_layout.items()):
        wrong_part = part.cells - part.right - part.refused
        share = part.right / part.cells if part.cells else 1.0
        print(f"  {name:<9} cells right {part.right}/{part.cells} = {share:.2%}; refused {part.refused}; "
              f"wrong {wrong_part}")
    print(f"findings: expected {len(totals.expected)}, found {tp}, extra {extra} — "
          f"precision {precision:.2f}, recall {recall:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
