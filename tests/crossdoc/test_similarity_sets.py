"""``find_similar`` holds each distinct clause set once (packed, and once in the LSH index):
documents sharing a text are all found, each with every other, and nothing else is. Its index
(``BandIndex``) returns exactly what datasketch's ``MinHashLSH`` returns, in the same order, and
a copy among many narratives of their own is found."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import SectionPrint
from auditor.narrative import pack_hashes
from auditor.similarity import NUM_PERM, BandIndex, Narrative, _identity, find_similar


def narrative(key: int, agency: str, clauses: list[int]) -> Narrative:
    signature = SimpleNamespace(sections=(SectionPrint(1, pack_hashes(clauses), ((0, f"第{key}段"),)),))
    return Narrative(key=key, agency=agency, year=2023, path=f"r{key:02}.txt", identity=(f"sha{key}", 0),
                     signature=signature, source="本批次", in_run=True)  # type: ignore[arg-type]


def test_documents_sharing_a_text_each_find_all_the_others():
    pytest.importorskip("datasketch")
    rng = random.Random(3)
    shared = [rng.getrandbits(32) for _ in range(60)]
    agencies = ["永泰县统计局", "闽侯县教育局", "连江县民政局", "罗源县财政局", "平潭县水利局", "长乐区农业局"]
    narratives = [narrative(k, agencies[k], shared) for k in range(3)]  # one text, three offices
    narratives += [narrative(k, agencies[k], [rng.getrandbits(32) for _ in range(60)]) for k in range(3, 6)]
    narratives.append(narrative(6, agencies[0], [*shared[:59], 7]))  # nearly the same, its own set
    found, compared = find_similar(narratives)
    assert compared == set(range(7))
    assert set(found) == {0, 1, 2, 6}
    for k in (0, 1, 2):
        others = {s.path for s in found[k]}
        assert others == {f"r{o:02}.txt" for o in (0, 1, 2, 6) if o != k} - ({"r06.txt"} if k == 0 else set())
        assert all(s.similarity >= 0.9 for s in found[k])
    assert {s.path for s in found[6]} == {"r01.txt", "r02.txt"}  # r00 is its own office, same year: not a copy


# A family of clause sets: each drawn from one of a few texts (keeping some of its clauses) with
# clauses of its own added, so that sets share bands with some others, not all.
FAMILIES = st.lists(st.tuples(st.integers(0, 3), st.floats(0.0, 1.0), st.integers(0, 40)), min_size=1, max_size=120)


@settings(max_examples=40, deadline=None)
@given(FAMILIES, st.integers(0, 2**32 - 1), st.integers(12, 90))
def test_candidates_are_datasketchs_in_its_order(shapes, seed, length):
    datasketch = pytest.importorskip("datasketch")
    rng = random.Random(seed)
    texts = [[rng.getrandbits(32) for _ in range(length)] for _ in range(4)]
    sets = []
    for text, kept, own in shapes:
        chosen = rng.sample(texts[text], round(kept * length)) + [rng.getrandbits(32) for _ in range(own)]
        sets.append(sorted(set(chosen)) or [rng.getrandbits(32)])
    sets += sets[:rng.randrange(4)]  # the same set twice is two entries
    index = BandIndex.build(sets, len(sets))
    lsh = datasketch.MinHashLSH(threshold=0.5, num_perm=NUM_PERM)
    sketches = []
    for number, clauses in enumerate(sets):
        sketch = datasketch.MinHash(num_perm=NUM_PERM, hashfunc=_identity)  # the same seed: the same permutations
        sketch.update_batch(clauses)
        lsh.insert(number, sketch)
        sketches.append(sketch)
    for number, sketch in enumerate(sketches):
        assert index.query(number) == lsh.query(sketch)  # the same sets, listed in the same order


def test_a_copy_among_many_narratives_of_their_own_is_found():
    pytest.importorskip("datasketch")
    rng = random.Random(17)
    sets = [[rng.getrandbits(32) for _ in range(60)] for _ in range(600)]
    copies = {}  # copy's key → its source's key
    for k, source in enumerate((5, 150, 333, 599)):  # a few clauses changed, and under another agency
        copies[600 + k] = source
        sets.append([*sets[source][:60 - 2 - k], *(rng.getrandbits(32) for _ in range(2 + k))])
    narratives = [narrative(key, f"第{key}号县统计局", clauses) for key, clauses in enumerate(sets)]
    found, compared = find_similar(narratives)
    assert len(compared) == len(sets)
    expected = {**copies, **{source: copy for copy, source in copies.items()}}
    assert {key: [s.path for s in similar] for key, similar in found.items()} == \
        {key: [f"r{other:02}.txt"] for key, other in expected.items()}
    for copy in copies:
        changed = copy - 600 + 2
        (similar,) = found[copy]
        assert similar.shared == 60 - changed
        assert similar.similarity == round((60 - changed) / (60 + changed), 4)


def test_clause_sets_number_each_distinct_set_once(monkeypatch):
    from auditor import similarity

    monkeypatch.setattr(similarity, "hash", lambda packed: len(packed), raising=False)  # every set collides
    sets = similarity.ClauseSets()
    texts = [b"abcd" * 3, b"abce" * 3, b"abcd" * 3, b"", b"xyz0" * 3, b"abce" * 3]
    assert [sets.add(t) for t in texts] == [0, 1, 0, 2, 3, 1]
    assert len(sets) == 4
    assert [sets[n] for n in range(4)] == [b"abcd" * 3, b"abce" * 3, b"", b"xyz0" * 3]
