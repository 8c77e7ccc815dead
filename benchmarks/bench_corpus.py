"""Cell accuracy and findings on the real-report corpus, against truth typed by hand.

    python benchmarks/bench_corpus.py [--corpus DIR] [--verbose]

The corpus is a folder with ``truth/*.toml`` (committed under ``tests/fixtures/real/truth``) and
``docs/`` holding the published files they describe (not committed: public material, listed
with its source in ``tests/fixtures/real/SOURCES.md``). A truth file whose document is absent
is listed as skipped. Prints, per document: cells right of cells typed, the wrong ones, and the
standard packs' findings against the findings a careful reader expects (``expected_findings``;
warnings such as STRUCT-HEADING and CELL-BLANK are compared only where the truth lists them).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.engine import load_rules  # noqa: E402
from auditor.model import AdapterError, Cell, Finding, Report  # noqa: E402
from auditor.reading import load_reports  # noqa: E402

# Checks whose findings every truth file states completely; other (warning) checks are compared
# only where a truth file names them.
ALWAYS_COMPARED = ("STRUCT-SECTIONS", "STRUCT-TABLES", "STRUCT-ROWS", "META-", "T3-", "T4-", "CELL-NEGATIVE",
                   "CELL-NONNUMERIC")


@dataclass
class Score:
    cells: int = 0
    right: int = 0
    refused: int = 0  # not read, and said so: digits run together or values no column fits
    wrong: list[str] = field(default_factory=list)
    expected: set[str] = field(default_factory=set)
    found: set[str] = field(default_factory=set)

    @property
    def missed(self) -> set[str]:
        return self.expected - self.found

    @property
    def extra(self) -> set[str]:
        return self.found - self.expected


def cell_right(truth: object, cell: Cell | None) -> bool:
    if cell is None:
        return False
    if isinstance(truth, (int, float)) and not isinstance(truth, bool):
        return cell.state == "number" and cell.value is not None and abs(float(cell.value) - float(truth)) < 1e-6
    text = str(truth)
    if text == "blank":
        return cell.state == "blank"
    if text.startswith("placeholder"):
        return cell.state == "placeholder"
    if text.startswith("text"):
        return cell.state == "text"
    return False


def _refused(report: Report, cell_id: str) -> bool:
    table, rest = cell_id.split(".", 1)
    reading = report.reading(table)
    return reading is not None and rest.rsplit(".", 1)[0] in reading.ambiguous_rows


def finding_keys(finding: Finding) -> set[str]:
    keys = {finding.rule}
    keys.update(f"{finding.rule}:{value}" for value in finding.scope.values())
    return keys


def compared(rule_key: str, expected: set[str]) -> bool:
    rule = rule_key.split(":", 1)[0]
    return rule.startswith(ALWAYS_COMPARED) or any(e.split(":", 1)[0] == rule for e in expected)


def score_document(truth: dict, report: Report | None, ruleset) -> Score:
    score = Score()
    for cell_id, value in truth.get("cells", {}).items():
        score.cells += 1
        cell = report.cells.get(cell_id) if report else None
        if cell_right(value, cell):
            score.right += 1
        elif cell is None and report is not None and _refused(report, cell_id):
            score.refused += 1
        else:
            shown = "∅" if cell is None else (cell.raw or cell.state)
            score.wrong.append(f"{cell_id}={value}→{shown}")
    expected = set(truth.get("expected_findings", ()))
    found: set[str] = set()
    if report is not None and report.kind != "other":
        for outcome in ruleset.evaluate(report):
            for finding in outcome.findings:
                keys = finding_keys(finding)
                if any(k in expected for k in keys):
                    found.update(k for k in keys if k in expected)
                elif compared(finding.rule, expected):
                    found.add(next(iter(sorted(keys, key=len, reverse=True))))
    score.expected = expected
    score.found = found | (expected & found)
    return score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=os.environ.get("AUDITOR_REAL_CORPUS", str(ROOT / "tests" / "fixtures" / "real")))
    parser.add_argument("--docs", default=None, help="folder of the documents (default: CORPUS/docs)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every wrong cell")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    docs = Path(args.docs) if args.docs else corpus / "docs"
    ruleset = load_rules()
    totals = Score()
    documents = skipped = 0
    rows = []
    for truth_path in sorted((corpus / "truth").glob("*.toml")):
        truth = tomllib.loads(truth_path.read_text("utf-8"))
        path = docs / Path(truth["file"]).name
        if not path.exists():
            skipped += 1
            rows.append((truth_path.stem, "-", "absent", "", ""))
            continue
        try:
            reports = load_reports(path)
        except AdapterError as exc:
            reports = []
            rows.append((truth_path.stem, "-", f"unreadable: {exc}", "", ""))
        annual = [r for r in reports if r.kind != "other"]
        for entry in truth.get("documents", []):
            documents += 1
            index = entry.get("index", 0)
            report = next((r for r in reports if r.source.index == index), annual[0] if len(annual) == 1 else None)
            score = score_document(entry, report, ruleset)
            totals.cells += score.cells
            totals.right += score.right
            totals.refused += score.refused
            totals.expected |= {f"{truth_path.stem}#{index}:{k}" for k in score.expected}
            totals.found |= {f"{truth_path.stem}#{index}:{k}" for k in score.found}
            wrong = ", ".join(score.wrong if args.verbose else score.wrong[:4]) + \
                ("" if args.verbose or len(score.wrong) <= 4 else f", … ({len(score.wrong)})")
            refused = f" ({score.refused}?)" if score.refused else ""
            rows.append((truth_path.stem, str(index), f"{score.right}/{score.cells}{refused}",
                         " ".join(sorted(score.missed)) or "-", " ".join(sorted(score.extra)) or "-"))
            if score.wrong:
                rows.append(("", "", "wrong: " + wrong, "", ""))
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
    print()
    print(f"documents {documents} (truth files without their document: {skipped})")
    wrong = totals.cells - totals.right - totals.refused
    print(f"cells right {totals.right}/{totals.cells} = {accuracy:.2%}; refused (reported as unreadable) "
          f"{totals.refused}; wrong {wrong} = {wrong / max(totals.cells, 1):.2%}")
    print(f"findings: expected {len(totals.expected)}, found {tp}, extra {extra} — "
          f"precision {precision:.2f}, recall {recall:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
