"""The real-report corpus (tests/fixtures/real): every document present is read with no wrong
cell — a cell is read as printed or the recognizer says it cannot read it — and at least 97.5%
of all typed cells right (the rest are 表二 rows whose digits ran together and that no printed
sum can split: refused, with the reason, rather than guessed). Documents are not committed
(public material), so this checks the ones present: the shared 淮安 PDF in CI, the whole
corpus on a machine that holds ``docs/``."""

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
def test_nearly_every_cell_right_and_the_rest_refused_with_a_reason() -> None:
    cells = sum(s.score.cells for s in SCORES)
    right = sum(s.score.right for s in SCORES)
    refused = sum(s.score.refused for s in SCORES)
    assert right >= 0.975 * cells, f"{right}/{cells}"
    assert right + refused == cells


HTML_SCORES = [s for s in SCORES if s.layout == "html"]


@pytest.mark.skipif(not HTML_SCORES, reason="no archived CMS page present")
@pytest.mark.parametrize("result", HTML_SCORES, ids=lambda s: f"{s.truth}#{s.index}")
def test_cms_pages_refuse_no_cell(result: DocumentScore) -> None:
    """A CMS page keeps its cells apart (<td>), so nothing there is too glued to read: every
    typed cell of an archived page.html is read, including those its page.txt twin refuses."""
    assert result.score.refused == 0 and result.score.right == result.score.cells
