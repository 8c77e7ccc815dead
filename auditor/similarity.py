"""Near-identical narratives across a run and its history: MinHash and LSH from ``datasketch``.

Each document arrives as the set of its clause hashes (``auditor.narrative.section_prints``:
table text and boilerplate left out, figures, years and the agency's own name masked), so a
report copied with only the agency and the year changed has the same set as its source. Every
document's set becomes a MinHash (128 permutations); an LSH index (datasketch's
``MinHashLSH``, tuned for Jaccard 0.5) returns, for each document of the run, the few documents
likely to share most clauses with it — never all pairs. Each candidate is then measured exactly
(Jaccard of the two sets) and the passages the two share are named from the paragraphs' first
words. Why datasketch: it is the maintained reference implementation of MinHash LSH; its
index handles 10^5 documents in memory (about 6 KB each) with query time independent of the
number of documents.

Frequent phrases are deliberately *not* dropped by frequency: a text that many reports of one
region share is exactly what 内容雷同 means. The template's fixed sentences are dropped when
fingerprints are made (``BOILERPLATE``), and the threshold is high.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

from auditor.agency import parse_agency
from auditor.dsl.crossfacts import Similar
from auditor.model import Signature
from auditor.narrative import unpack_hashes

NUM_PERM = 128
LSH_THRESHOLD = 0.5  # candidates come from the index above about this Jaccard similarity…
LISTED = 0.5  # …and are listed (as similar_reports) when they really are this similar
MIN_CLAUSES = 12  # a narrative this short is too thin to call a copy
MOST = 5  # similar reports listed per document, most similar first
SECTION_WORDS = {1: "第一部分", 2: "第二部分", 3: "第三部分", 4: "第四部分", 5: "第五部分", 6: "第六部分"}


class SimilarityUnavailable(RuntimeError):
    """datasketch is not installed."""


@dataclass(frozen=True)
class Narrative:
    """One document's narrative as compared: who, which year, where, and its clauses."""

    key: Any  # how the caller names it
    agency: Optional[str]
    year: Optional[int]
    path: str
    identity: tuple[Any, ...]  # (sha256, index): the same document met twice is not a copy
    signature: Signature
    source: str
    in_run: bool

    def same_agency(self, other: Narrative) -> bool:
        mine, theirs = parse_agency(self.agency), parse_agency(other.agency)
        return mine is not None and theirs is not None and mine.same_agency(theirs)

    def clauses(self) -> list[tuple[int, int]]:
        """(section number, clause hash) in text order."""
        return [(p.number, h) for p in self.signature.sections for h in unpack_hashes(p.clauses)]


def available() -> bool:
    try:
        import datasketch  # noqa: F401
    except ImportError:
        return False
    return True


def find_similar(narratives: Sequence[Narrative], *, listed: float = LISTED, most: int = MOST,
                 num_perm: int = NUM_PERM) -> tuple[dict[Any, list[Similar]], set[Any]]:
    """For each narrative of the run, the others (run or history) at least ``listed`` similar,
    most similar first; and the keys of the narratives long enough to compare."""
    # Each document's clause set, held as its sorted 32-bit hashes in bytes (4 bytes a clause,
    # not the ~80 of a frozenset: 10^4 narratives in tens of MiB, not hundreds), each distinct
    # set once; made a frozenset only while it is compared.
    sets: list[bytes] = []
    kept: list[Narrative] = []
    distinct: dict[bytes, bytes] = {}
    for narrative in narratives:
        clauses = sorted({h for _, h in narrative.clauses()})
        if len(clauses) >= MIN_CLAUSES:
            packed = array(WORD, clauses).tobytes()
            sets.append(distinct.setdefault(packed, packed))
            kept.append(narrative)
    del distinct
    _unpacked.cache_clear()
    found: dict[Any, list[Similar]] = {}
    compared = {n.key for n in kept}
    unavailable = SimilarityUnavailable('需要安装 datasketch 才能比较报告正文：pip install "auditor[similarity]"')
    if len(kept) < 2:  # nothing to compare: datasketch (and scipy, ~0.4 s) need not be imported
        if not _installed():
            raise unavailable
        return found, compared
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError as exc:
        raise unavailable from exc
    template = MinHash(num_perm=num_perm, hashfunc=_identity)
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=num_perm)
    # A sketch and what the index returns for it depend only on the set of clauses: documents
    # with the same set (a report filed twice, one text sent by many offices) share them, and
    # the index holds each set once (its entries cost ~3 KB each), naming the set's documents.
    holders: dict[bytes, list[int]] = {}
    for position, clauses in enumerate(sets):
        holders.setdefault(clauses, []).append(position)
    sketches: dict[bytes, Any] = {}
    groups: list[list[int]] = []
    with lsh.insertion_session() as session:
        for clauses, positions in holders.items():
            sketch = sketches[clauses] = MinHash(num_perm=num_perm, hashfunc=_identity,
                                                 permutations=template.permutations, scheme=template.scheme)
            sketch.update_batch(_unpacked(clauses))
            session.insert(len(groups), sketch, check_duplication=False)
            groups.append(positions)
    del holders
    agencies = [parse_agency(n.agency) for n in kept]
    numbers: dict[Any, int] = {}
    agency_numbers = [numbers.setdefault(a, len(numbers)) for a in agencies]
    same_pairs: dict[tuple[int, int], bool] = {}  # (agency number, agency number) → same agency
    answers: dict[bytes, list[int]] = {}
    for position, narrative in enumerate(kept):
        if not narrative.in_run:
            continue
        packed = sets[position]
        mine = _unpacked(packed)
        own = agencies[position]
        candidates = answers.get(packed)
        if candidates is None:
            candidates = answers[packed] = [p for group in lsh.query(sketches[packed]) for p in groups[group]]
        matches = []
        for other_position in candidates:
            if other_position == position:
                continue
            other = kept[other_position]
            pair = (agency_numbers[position], agency_numbers[other_position])
            same = same_pairs.get(pair)  # type: ignore[assignment]
            if same is None:
                theirs_agency = agencies[other_position]
                same = same_pairs[pair] = (own is not None and theirs_agency is not None
                                           and own.same_agency(theirs_agency))
            if other.identity == narrative.identity or (other.year == narrative.year and same):
                continue  # the same report met twice, or republished: not a copy of another
            theirs = _unpacked(sets[other_position])
            shared = mine & theirs
            score = len(shared) / len(mine | theirs)
            if score >= listed:
                matches.append(Similar(other.agency or "（未识别机关）", other.year, other.path, round(score, 4),
                                       len(shared), shared_passages(narrative, shared), same, other.source))
        matches.sort(key=lambda s: (-s.similarity, s.path))
        if matches:
            found[narrative.key] = matches[:most]
    _unpacked.cache_clear()
    return found, compared


WORD = next(code for code in "IL" if array(code).itemsize == 4)  # an unsigned 32-bit clause hash


@lru_cache(maxsize=256)  # a text met as the candidate of many others is unpacked once
def _unpacked(packed: bytes) -> frozenset[int]:
    return frozenset(array(WORD, packed))


def _installed() -> bool:
    """Whether datasketch could be imported, without importing it."""
    if "datasketch" in sys.modules:
        return sys.modules["datasketch"] is not None  # None: blocked
    try:
        return importlib.util.find_spec("datasketch") is not None
    except (ImportError, ValueError):
        return False


def preload() -> None:
    """Import datasketch (and scipy, ~0.4 s) now: called by a batch once its workers have their
    first chunks, so the import overlaps their work instead of following it. In this thread,
    not a background one: the pool forks new workers during a batch (after a timeout or a
    crash), and a process forked while another thread imports native libraries inherits their
    half-done state. A failed import is left for ``find_similar`` to meet again and say why
    (``SimilarityUnavailable``), exactly as without this."""
    if "datasketch" in sys.modules or not _installed():
        return
    with contextlib.suppress(Exception):
        import datasketch  # noqa: F401


def _identity(value: int) -> int:
    return value


def shared_passages(narrative: Narrative, shared: frozenset[int], quoted: int = 4) -> str:
    """The paragraphs mostly made of shared clauses, by section and first words:
    第一部分「2023年，我局高度重视政府信息…」等6段；第五部分「一是信息公开的标准化程度…」."""
    by_section: dict[int, list[str]] = {}
    for section in narrative.signature.sections:
        hashes = unpack_hashes(section.clauses)
        starts = [first for first, _ in section.passages] + [len(hashes)]
        for (first, incipit), end in zip(section.passages, starts[1:]):
            own = hashes[first:end]
            if own and sum(1 for h in own if h in shared) * 2 > len(own):
                by_section.setdefault(section.number, []).append(incipit)
    parts = []
    for number, incipits in sorted(by_section.items()):
        more = f"等{len(incipits)}段" if len(incipits) > 1 else ""
        shown = "」「".join(incipits[:quoted if len(by_section) == 1 else 1])
        parts.append(f"{SECTION_WORDS.get(number, f'第{number}部分')}「{shown}」{more}")
    return "；".join(parts) or "（相同的内容分散在各段中）"
