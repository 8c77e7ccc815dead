"""``find_similar`` holds each distinct clause set once (packed, and once in the LSH index):
documents sharing a text are all found, each with every other, and nothing else is."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from auditor.model import SectionPrint
from auditor.narrative import pack_hashes
from auditor.similarity import Narrative, find_similar


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
