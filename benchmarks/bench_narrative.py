"""Precision and recall of TEXT-TABLE's reading of narratives, on sentences written for it.

    python benchmarks/bench_narrative.py [--verbose]

``tests/fixtures/narrative/sentences.toml`` holds sentences in the many ways reports phrase
figures about applications, reviews and lawsuits — and sentences whose figures are about
something else (another year, a comparison, a share, a sub-unit, a channel, petitions, documents
published). Each lists the (quantity, value) claims a careful reader takes from it. A claim the
extractor makes that is not listed is a false alarm (precision); a listed one it misses lowers
recall. Precision is what matters: a false TEXT-TABLE costs a supervisor's time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.narrative import sentence_claims  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "narrative" / "sentences.toml"


def score(path: Path = CORPUS) -> tuple[int, int, int, list[str]]:
    """True positives, false positives, false negatives, and a line per mistake."""
    data = tomllib.loads(path.read_text("utf-8"))
    tp = fp = fn = 0
    lines = []
    for item in data["s"]:
        expected = {(q, int(v)) for q, v in item["claims"]}
        found = {(c.quantity.id, c.value) for c in sentence_claims(item["text"], item.get("year", 2023))}
        tp += len(found & expected)
        fp += len(found - expected)
        fn += len(expected - found)
        for claim in sorted(found - expected):
            lines.append(f"false alarm {claim}: {item['text']}")
        for claim in sorted(expected - found):
            lines.append(f"missed      {claim}: {item['text']}")
    return tp, fp, fn, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss and false alarm")
    args = parser.parse_args()
    tp, fp, fn, lines = score()
    sentences = len(tomllib.loads(CORPUS.read_text("utf-8"))["s"])
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"sentences {sentences}; claims expected {tp + fn}, found {tp + fp}")
    print(f"precision {precision:.2f} ({fp} false alarms), recall {recall:.2f} ({fn} missed)")
    for line in lines if args.verbose else [line for line in lines if line.startswith("false")]:
        print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
