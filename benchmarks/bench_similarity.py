"""The narrative comparison's memory and time, by itself: ``find_similar`` over N distinct
narratives (random clause sets, as many clauses as a generated report's), with a few planted
copies.

    python benchmarks/bench_similarity.py [--sizes 1000,5000,10000] [--owners]

For each N: the peak Python memory ``find_similar`` adds (tracemalloc), per narrative; its wall
time; how many copies it listed. With ``--owners``, the memory still held at the end of the
comparison by source line, for the largest N (what the per-narrative bytes are made of).
"""

from __future__ import annotations

import argparse
import linecache
import random
import sys
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor import similarity  # noqa: E402
from auditor.model import SectionPrint  # noqa: E402
from auditor.narrative import pack_hashes  # noqa: E402

CLAUSES = 60  # about a generated report's narrative
COPIES = 10  # planted: a narrative with a few clauses changed, under another agency


def narratives(n: int, seed: int = 5) -> list[similarity.Narrative]:
    rng = random.Random(seed)
    sets = [[rng.getrandbits(32) for _ in range(CLAUSES)] for _ in range(n)]
    for k in range(min(COPIES, n // 2)):
        source = sets[k * (n // COPIES)]
        sets[-1 - k] = [*source[:CLAUSES - 5], *(rng.getrandbits(32) for _ in range(5))]
    out = []
    for key, clauses in enumerate(sets):
        signature = SimpleNamespace(sections=(SectionPrint(1, pack_hashes(clauses), ((0, f"第{key}段"),)),))
        out.append(similarity.Narrative(key=key, agency=f"第{key}号县统计局", year=2023, path=f"r{key:06}.txt",
                                        identity=(f"sha{key}", 0), signature=signature,  # type: ignore[arg-type]
                                        source="本批次", in_run=True))
    return out


class Watch:
    """Stands in for ``similarity._unpacked``: the comparison clears that cache when it begins
    and when it ends; at the end, what it holds is the index, the sets and the answers."""

    def __init__(self) -> None:
        self.original = similarity._unpacked
        self.calls = 0
        self.held: list[tracemalloc.Snapshot] = []

    def __call__(self, packed: bytes) -> frozenset[int]:
        return self.original(packed)

    def cache_clear(self) -> None:
        self.calls += 1
        if self.calls == 2:
            self.held.append(tracemalloc.take_snapshot())
        self.original.cache_clear()


def owners(snapshot: tracemalloc.Snapshot, n: int) -> None:
    print(f"\nheld at the end of the comparison ({n} narratives), by allocation site:\n")
    for stat in snapshot.statistics("traceback")[:12]:
        frame = next((f for f in reversed(stat.traceback) if "similarity" in f.filename or "datasketch" in f.filename),
                     stat.traceback[0])
        line = linecache.getline(frame.filename, frame.lineno).strip()
        print(f"  {stat.size / n:8.0f} B/narrative  {stat.count:7d} blocks  "
              f"{Path(frame.filename).name}:{frame.lineno}  {line[:60]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--owners", action="store_true", help="what is held at the end, by source line")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    similarity.find_similar(narratives(20))  # datasketch, scipy, numpy imported: not counted
    print("| narratives | peak added MiB | bytes per narrative | wall s | listed |")
    print("|---:|---:|---:|---:|---:|")
    for n in sizes:
        batch = narratives(n)
        watch = Watch() if args.owners and n == max(sizes) else None
        tracemalloc.start(25 if watch else 1)
        base = tracemalloc.get_traced_memory()[0]
        if watch:
            similarity._unpacked = watch  # type: ignore[assignment]
        started = time.perf_counter()
        found, _ = similarity.find_similar(batch)
        wall = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        print(f"| {n} | {peak / 2**20:.1f} | {peak / n:.0f} | {wall:.2f} | {len(found)} |")
        if watch:
            similarity._unpacked = watch.original  # type: ignore[assignment]
            owners(watch.held[0], n)

if __name__ == "__main__":
    main()
