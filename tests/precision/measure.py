"""Run generated samples through the whole pipeline and score what came out.

Text adapter → recognizer → standard rule packs → localiser, exactly as ``auditor audit`` does
for a ``.txt`` file. A rule is scored per document: it fired (failed) or not, against whether the
injected defect must make it fail. A slip is *hit* when some correction holds every slipped cell
with the value it had before the slip; *unique* when that correction is the only one offered;
*named* when its slip is the one injected.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Optional

from auditor.adapters.text import TextAdapter
from auditor.model import Correction
from auditor.recognize import recognize
from tests.precision.generator import Sample


@dataclass(frozen=True)
class Outcome:
    sample: Sample
    failing: frozenset[str]
    corrections: tuple[Correction, ...]
    messages: tuple[str, ...]
    error: Optional[str] = None
    misread: tuple[str, ...] = ()  # cells the recognizer read otherwise than written

    @property
    def faithful(self) -> bool:
        """The pipeline read what was written: a miss here is the rules', not the recognizer's."""
        return self.error is None and not self.misread

    @property
    def false_positives(self) -> frozenset[str]:
        return self.failing - self.sample.defect.fails

    @property
    def false_negatives(self) -> frozenset[str]:
        return self.sample.defect.fails - self.failing

    def hit(self) -> Optional[Correction]:
        """The correction that restores every slipped cell, if any."""
        wanted = self.sample.defect.slipped
        for correction in self.corrections:
            found = {fix.id: fix.expected for fix in correction.cells}
            if all(found.get(cid) == value for cid, value in wanted.items()):
                return correction
        return None


def run(sample: Sample, ruleset: Any) -> Outcome:
    document = TextAdapter().read("generated.txt", sample.text.encode("utf-8"))
    reports = [r for r in recognize(document) if r.kind != "other"]
    if len(reports) != 1:
        return Outcome(sample, frozenset(), (), (), error=f"{len(reports)} reports recognized")
    report = reports[0]
    outcomes = ruleset.evaluate(report)
    corrections = tuple(ruleset.localize(report, outcomes))
    failing = frozenset(o.rule.id for o in outcomes if o.status == "fail") - {"STRUCT-HEADING"} \
        if "STRUCT-HEADING" not in sample.defect.fails else frozenset(o.rule.id for o in outcomes if o.status == "fail")
    messages = tuple(f"{f.rule} {f.message}" for o in outcomes for f in o.findings)
    read = {cid: (cell.value, cell.state) for cid, cell in report.cells.items()}
    misread = tuple(f"{cid}: read {_shown(read.get(cid))}, written {_shown(sample.cells.get(cid))}"
                    for cid in sorted(set(sample.cells) | set(read)) if read.get(cid) != sample.cells.get(cid))
    return Outcome(sample, failing, corrections, messages, misread=misread)


def _shown(cell: Optional[tuple[Optional[int], str]]) -> str:
    if cell is None:
        return "nothing"
    value, state = cell
    return str(value) if state == "number" else state


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> Optional[float]:
        """None when the rule never fired (nothing to be precise about)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> Optional[float]:
        """None when no sample should have made it fail."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def rule_scores(outcomes: list[Outcome], rules: list[str], faithful_only: bool = False) -> dict[str, Score]:
    scores = {rule: Score() for rule in rules}
    for outcome in outcomes:
        if faithful_only and not outcome.faithful:
            continue
        for rule in rules:
            expected, fired = rule in outcome.sample.defect.fails, rule in outcome.failing
            score = scores[rule]
            score.tp += expected and fired
            score.fp += fired and not expected
            score.fn += expected and not fired
    return scores


def reading_score(outcomes: list[Outcome]) -> Score:
    """The reading warnings (``READ-*``) as one check: they should fire exactly on the samples
    the recognizer could not read as written. A misread sample without one is a silent misread."""
    score = Score()
    for outcome in outcomes:
        expected = not outcome.faithful
        fired = any(rule.startswith("READ-") for rule in outcome.failing)
        score.tp += expected and fired
        score.fp += fired and not expected
        score.fn += expected and not fired
    return score


def slip_scores(outcomes: list[Outcome]) -> dict[str, Counter]:
    """Per slip family: samples, hits, unique hits, slips named right."""
    scores: dict[str, Counter] = {}
    for outcome in outcomes:
        defect = outcome.sample.defect
        if not defect.slipped:
            continue
        counter = scores.setdefault(outcome.sample.family, Counter())
        counter["samples"] += 1
        hit = outcome.hit()
        if hit is not None:
            counter["hit"] += 1
            counter["unique"] += sum(1 for c in outcome.corrections if c.group == hit.group) == 1
            counter["named"] += hit.slip == defect.slip
    return scores
