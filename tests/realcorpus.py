"""Scoring auditor's reading of the real-report corpus against truth typed by hand.

Shared by ``benchmarks/bench_corpus.py`` (which prints the figures) and
``tests/recognize/test_real_corpus.py`` (which holds the line). The corpus is
``tests/fixtures/real/``: ``truth/*.toml`` (committed) and ``docs/`` (the published files, not
committed: public material whose sources ``SOURCES.md`` lists). A truth file whose document is
in none of the folders searched is skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from auditor.model import AdapterError, Cell, Finding, Report
from auditor.reading import load_reports

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "real"
# Where the documents may be: the local corpus, and the shared real files CI provides.
DOC_DIRS = (CORPUS / "docs", ROOT.parent / "shared" / "real")

# Checks whose findings every truth file states completely; other (warning) checks are compared
# only where a truth file names them.
ALWAYS_COMPARED = ("STRUCT-SECTIONS", "STRUCT-TABLES", "STRUCT-ROWS", "STRUCT-BODY", "META-", "T3-", "T4-",
                   "CELL-NEGATIVE", "CELL-NONNUMERIC", "XYEAR-", "TEXT-TABLE", "XDOC-", "CONTENT-")


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


def score_document(truth: dict, report: Report | None, ruleset, outcomes=None) -> Score:
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
    known = {info.id for info in ruleset.rules}
    expected = {e for e in truth.get("expected_findings", ()) if e.split(":", 1)[0] in known}
    found: set[str] = set()
    if report is not None and report.kind != "other":
        for outcome in outcomes if outcomes is not None else ruleset.evaluate(report):
            for finding in outcome.findings:
                keys = finding_keys(finding)
                if any(k in expected for k in keys):
                    found.update(k for k in keys if k in expected)
                elif compared(finding.rule, expected):
                    found.add(next(iter(sorted(keys, key=len, reverse=True))))
    score.expected = expected
    score.found = found | (expected & found)
    return score




@dataclass
class DocumentScore:
    truth: str
    index: int
    score: Score
    layout: str = "text"


def truth_files(corpus: Path = CORPUS) -> list[Path]:
    return sorted((corpus / "truth").glob("*.toml"))


def find_document(truth: dict, dirs: Sequence[Path] = DOC_DIRS) -> Path | None:
    name = Path(truth["file"]).name
    return next((d / name for d in dirs if (d / name).exists()), None)


def layout_of(truth: dict) -> str:
    """The layout family a truth file's document belongs to: html, pdf, markdown or text."""
    layout = str(truth.get("layout", ""))
    suffix = Path(truth.get("file", "")).suffix.lower()
    if layout.startswith("html") or suffix in (".html", ".htm"):
        return "html"
    if suffix == ".pdf":
        return "pdf"
    if suffix == ".md":
        return "markdown"
    return "text"


def batch_of(truth: dict) -> str:
    """HTML pages are the second published form of reports the text scrapes already hold."""
    return "html" if layout_of(truth) == "html" else "main"


def score_corpus(ruleset, corpus: Path = CORPUS, dirs: Sequence[Path] = DOC_DIRS) -> Iterator[DocumentScore | str]:
    """A ``DocumentScore`` per document, or the name of a truth file whose document is absent.
    The rules over several documents (XYEAR-CARRY…) run over the corpus as a batch, so the 平潭
    year chains pair up. Several truth files describe the same report in two published forms
    (the archived ``page.txt`` and its ``page.html``): each form is a batch of its own, as a user
    would audit one copy of a report, never both at once."""
    from auditor.crossdoc import complete, make_signature
    from auditor.model import DocumentResult

    loaded: list[tuple[str, dict, list[Report]] | str] = []
    batches: dict[str, list[DocumentResult]] = {}
    for truth_path in truth_files(corpus):
        truth = tomllib.loads(truth_path.read_text("utf-8"))
        path = find_document(truth, dirs)
        if path is None:
            loaded.append(truth_path.stem)
            continue
        try:
            reports = load_reports(path)
        except AdapterError:
            reports = []
        loaded.append((truth_path.stem, truth, reports))
        for report in reports:
            batches.setdefault(batch_of(truth), []).append(DocumentResult(
                path=str(path), index=report.source.index, report=report,
                outcomes=ruleset.evaluate(report, defer=True), signature=make_signature(report, ruleset)))
    completed = {id(doc.report): doc.outcomes for results in batches.values() for doc in complete(results, ruleset)}
    for item in loaded:
        if isinstance(item, str):
            yield item
            continue
        stem, truth, reports = item
        annual = [r for r in reports if r.kind != "other"]
        for entry in truth.get("documents", []):
            index = entry.get("index", 0)
            report = next((r for r in reports if r.source.index == index), annual[0] if len(annual) == 1 else None)
            outcomes = completed.get(id(report)) if report is not None else None
            yield DocumentScore(stem, index, score_document(entry, report, ruleset, outcomes), layout_of(truth))
