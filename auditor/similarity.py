"""Near-identical narratives across a run and its history: MinHash from ``datasketch``, LSH bands.

Each document arrives as the set of its clause hashes (``auditor.narrative.section_prints``:
table text and boilerplate left out, figures, years and the agency's own name masked), so a
report copied with only the agency and the year changed has the same set as its source. Every
distinct set becomes a MinHash (datasketch, 128 permutations); an LSH index over its bands
returns, for each document of the run, the few documents likely to share most clauses with it
— never all pairs. Each candidate is then measured exactly (Jaccard of the two sets) and the
passages the two share are named from the paragraphs' first words.

datasketch is the maintained reference implementation of MinHash LSH, and it does the parts
that must be right: the permutations and hashing (``MinHash``) and the choice of bands and rows
for the threshold (``MinHashLSH``: 25 bands of 5 rows at Jaccard 0.5). Its in-memory index is
not used: it keeps every set's 25 band keys as bytes objects and a Python set per bucket,
~7.6 KB a set, most of the main process's growth with N when every narrative is a text of its
own. None of its own means gets near a few hundred bytes: ``hashfunc`` only shortens the
keys (the per-bucket sets stay), its other storage backends are servers (Redis, Cassandra;
MongoDB for the asyncio index), and ``MinHashLSHBloom`` says only whether a similar set was
seen, not which. ``BandIndex`` finds the same buckets with numpy from the sketches' rows
and keeps only the buckets two sets share: ~10 bytes a narrative of its own, the 0.5 KB
sketches held only while the buckets are found; the candidates, and their order, are
exactly datasketch's (``tests/crossdoc/test_similarity_sets.py`` checks both against
``MinHashLSH``).

Frequent phrases are deliberately *not* dropped by frequency: a text that many reports of one
region share is exactly what 内容雷同 means. The template's fixed sentences are dropped when
fingerprints are made (``BOILERPLATE``), and the threshold is high.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Optional

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
    """One document's narrative as compared: who, which year, where, and its clauses (slots:
    one is made for every document of a run and of its history at once)."""

    __slots__ = ("agency", "identity", "in_run", "key", "path", "signature", "source", "year")
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
    # Each distinct clause set once (a report filed twice, one text sent by many offices), made
    # a frozenset only while it is compared; each document names its set by number.
    kept: list[Narrative] = []
    sets = ClauseSets()
    set_of = array("i")  # kept position → its set's number
    for narrative in narratives:
        clauses = sorted({h for _, h in narrative.clauses()})
        if len(clauses) >= MIN_CLAUSES:
            set_of.append(sets.add(array(WORD, clauses).tobytes()))
            kept.append(narrative)
    _unpacked.cache_clear()
    found: dict[Any, list[Similar]] = {}
    compared = {n.key for n in kept}
    unavailable = SimilarityUnavailable('需要安装 datasketch 才能比较报告正文：pip install "auditor[similarity]"')
    if len(kept) < 2:  # nothing to compare: datasketch (and scipy, ~0.4 s) need not be imported
        if not _installed():
            raise unavailable
        return found, compared
    try:
        index = BandIndex.build((array(WORD, sets[number]) for number in range(len(sets))), len(sets),
                                num_perm=num_perm)
    except ImportError as exc:
        raise unavailable from exc
    holders = _holders(set_of, len(sets))
    agencies = [parse_agency(n.agency) for n in kept]
    agency_of: dict[Any, int] = {}
    agency_numbers = array("l", (agency_of.setdefault(a, len(agency_of)) for a in agencies))
    del agency_of
    same_pairs: dict[tuple[int, int], bool] = {}  # (agency number, agency number) → same agency
    answers: dict[int, list[int]] = {}  # a set several documents hold: its candidates, found once
    for position, narrative in enumerate(kept):
        if not narrative.in_run:
            continue
        number = set_of[position]
        candidates = answers.get(number)
        if candidates is None:
            candidates = [p for other_set in index.query(number) for p in holders(other_set)]
            if len(holders(number)) > 1:
                answers[number] = candidates
        mine = _unpacked(sets[number])
        own = agencies[position]
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
            theirs = _unpacked(sets[set_of[other_position]])
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


class ClauseSets:
    """Distinct clause sets, numbered in the order met, each as its sorted 32-bit hashes (4 bytes
    a clause, not the ~80 of a frozenset) end to end in one buffer. Not a bytes object each: a
    set is read while the document's signature is parsed (tens of KB, freed at once), and
    thousands of ~0.6 KB survivors among those would keep ~3 KB a document of the process's
    heap from being reused or returned (measured: 33 MiB at 10,000 distinct narratives)."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q")
        self._by_hash: dict[int, Any] = {}  # hash of a set → its number, or a list (hashes collide)

    def add(self, packed: bytes) -> int:
        """The number of the set ``packed`` (a new one when it is new)."""
        key = hash(packed)
        known = self._by_hash.get(key)
        numbers = [] if known is None else known if isinstance(known, list) else [known]
        for number in numbers:
            if self[number] == packed:
                return number
        number = len(self._ends)
        self._data += packed
        self._ends.append(len(self._data))
        self._by_hash[key] = number if known is None else [*numbers, number]
        return number

    def __getitem__(self, number: int) -> bytes:
        return bytes(self._data[self._ends[number - 1] if number else 0:self._ends[number]])

    def __len__(self) -> int:
        return len(self._ends)


class BandIndex:
    """MinHash LSH over clause sets, candidates exactly as datasketch's ``MinHashLSH`` returns them,
    in a few bytes a set instead of ~8 KB.

    datasketch makes the sketches (``MinHash``: its permutations and hashing) and chooses the
    bands (``MinHashLSH``'s ``b`` bands of ``r`` rows for the threshold). ``MinHashLSH`` keeps,
    for every set and band, the band's values as a bytes key and the set's number in a Python
    set per key: 25 of each, ~7.6 KB a set, although nearly every key is met once (a narrative
    of its own shares no band with any other). Here each band's rows are compared as numbers:
    ``numpy.unique`` over the sets' rows finds the buckets, and only the buckets holding two
    sets or more are kept (their members, and for each set the buckets it is in, in band
    order). A set in no such bucket — most of them — costs 8 bytes; the sketches (512 bytes
    a set) are held only while the buckets are found. Equal rows, not hashes of them: the
    candidates are exactly datasketch's, and ``query`` returns them in the order its ``query``
    does (the order of a Python set filled band by band), so that ties in the listing stay as
    they were."""

    def __init__(self, starts: Any, buckets: Any, first_band: Any, member_starts: Any, members: Any) -> None:
        self._starts = starts  # set number → where its buckets start in ``buckets``
        self._buckets = buckets  # the shared buckets of each set, in band order
        self._first_band = first_band  # bucket → whether it is one of the first band's
        self._member_starts = member_starts  # bucket → where its members start in ``members``
        self._members = members  # each shared bucket's set numbers, ascending

    @classmethod
    def build(cls, sets: Iterable[Iterable[int]], count: int, *, num_perm: int = NUM_PERM,
              threshold: float = LSH_THRESHOLD) -> BandIndex:
        """The index of the ``count`` ``sets`` (numbered in their order), each read once.
        Imports datasketch (ImportError)."""
        import numpy as np
        from datasketch import MinHash

        bands, rows = _bands(threshold, num_perm)
        sketch = MinHash(num_perm=num_perm, hashfunc=_identity)
        sketches = np.empty((count, bands * rows), dtype=sketch.hashvalues.dtype)
        for number, clauses in enumerate(sets):
            sketch.clear()
            sketch.update_batch(clauses)
            sketches[number] = sketch.hashvalues[:bands * rows]
        owners, buckets, ends = [], [], [0]
        for band in range(bands):
            _, inverse, counts = np.unique(sketches[:, band * rows:(band + 1) * rows], axis=0,
                                           return_inverse=True, return_counts=True)
            inverse = inverse.reshape(-1)
            shared = np.flatnonzero(counts[inverse] > 1)  # the sets whose bucket holds another
            owners.append(shared)
            buckets.append(inverse[shared] + ends[-1])
            ends.append(ends[-1] + len(counts))
        del sketches
        owner = np.concatenate(owners)  # band by band, each band's sets ascending
        bucket = np.concatenate(buckets)
        shared_buckets, bucket = np.unique(bucket, return_inverse=True)  # renumbered 0…
        bucket = bucket.reshape(-1)
        by_set = np.argsort(owner, kind="stable")  # a set's buckets stay in band order
        by_bucket = np.argsort(bucket, kind="stable")  # a bucket's members stay ascending
        return cls(starts=np.searchsorted(owner[by_set], np.arange(count + 1)),
                   buckets=bucket[by_set], first_band=shared_buckets < ends[1],
                   member_starts=np.searchsorted(bucket[by_bucket], np.arange(len(shared_buckets) + 1)),
                   members=owner[by_bucket])

    def query(self, number: int) -> list[int]:
        """The sets sharing a band with set ``number`` (itself included), as ``MinHashLSH.query``
        lists them for its sketch."""
        start, end = self._starts[number], self._starts[number + 1]
        if start == end:
            return [number]
        found: set[int] = set()
        shared = self._buckets[start:end].tolist()
        if not self._first_band[shared[0]]:
            found.add(number)  # alone in the first band's bucket
        for bucket in shared:
            # As datasketch fills its answer: from each bucket, a Python set its members were
            # added to one by one, ascending; added one by one (not ``update``, which may size
            # the answer's table otherwise and so change its order).
            for member in set(self._members[self._member_starts[bucket]:self._member_starts[bucket + 1]].tolist()):
                found.add(member)
        return list(found)


@lru_cache(maxsize=8)
def _bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's choice of bands and rows for the threshold (``MinHashLSH.b``, ``.r``)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def _holders(set_of: array, count: int) -> Callable[[int], Sequence[int]]:
    """Set number → the kept positions holding it, ascending."""
    import numpy as np

    numbers = np.frombuffer(set_of, dtype=np.dtype(set_of.typecode))
    order = np.argsort(numbers, kind="stable")
    starts = np.searchsorted(numbers[order], np.arange(count + 1)).tolist()
    order = order.tolist()

    def holders(number: int) -> Sequence[int]:
        return order[starts[number]:starts[number + 1]]

    return holders


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
