"""The real-report corpus (tests/fixtures/real): every document present is read with no wrong
cell — a cell is read as printed or the recognizer says it cannot read it — and at least 98% of
all typed cells right. Documents are not committed (public material), so this checks the ones
present: the shared 淮安 PDF in CI, the whole corpus on a machine that holds ``docs/``."""

from __future__ import annotations

import pytest

from auditor.engine import load_rules
from tests.realcorpus import DocumentScore, score_corpus, truth_files

SCORES = [s for s in score_corpus(load_rules()) if isinstance(s, DocumentScore)]


def test_truth_files_are_committed() -> None:
    assert len(truth_files()) >= 25


@pytest.mark.skipif(not SCORES, reason="no real-corpus document present (tests/fixtures/real/docs, ../shared/real)")
@pytest.mark.parametrize("result", SCORES, ids=lambda s: f"{s.truth}#{s.index}")
def test_no_cell_is_read_wrong(result: DocumentScore) -> None:
    assert result.score.wrong == []


@pytest.mark.skipif(not SCORES, reason="no real-corpus document present")
def test_at_least_98_percent_of_cells_right() -> None:
    cells = sum(s.score.cells for s in SCORES)
    right = sum(s.score.right for s in SCORES)
    assert right >= 0.98 * cells, f"{right}/{cells}"
