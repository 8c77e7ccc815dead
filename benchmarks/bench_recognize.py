"""Recognition CPU time per document, stage by stage: prints a table, times nothing in the tests.

    python benchmarks/bench_recognize.py [--docs 200] [--rounds 7]

Generated text reports (``bench_batch.generate``: the four text layouts of the seeds) are read
into memory first; then each stage runs over all of them, ``--rounds`` times, and the best
round's CPU time (``time.process_time``: the machine is shared, wall time is not) is divided by
the number of documents. ``load_reports`` is the whole of what a worker spends between the bytes
and the reports (adapter + recognize); the rows under it are its steps timed alone on inputs
prepared beforehand (with the cycle collector held off, as inside ``recognize``), so they need
not add up to it exactly. ``make_signature`` is the cross-document facts (the narrative's
clause hashes) a worker computes after the rules.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def best_ms(work: Callable[[], object], rounds: int, count: int, paused: Callable[[], Any]) -> float:
    work()  # warm: per-line caches filled as on any later document
    best = float("inf")
    for _ in range(rounds):
        with paused():
            started = time.process_time()
            work()
            best = min(best, time.process_time() - started)
    return best / count * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    import bench_batch

    from auditor import recognize as rec
    from auditor import runner
    from auditor.crossdoc import make_signature
    from auditor.reading import load_reports, read_document
    from auditor.recognize import metadata, tables
    from auditor.recognize.items import items_from_blocks
    from auditor.recognize.lines import restore_lines
    from auditor.recognize.split import split_documents
    from auditor.recognize.tokens import region_rows
    from auditor.templates import load

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_batch.generate(folder, args.docs, "text")
        files = [(str(p), p.read_bytes()) for p in sorted(folder.iterdir())]
    ruleset = runner.RuleSpec().load()  # held, as a worker holds it (the collector walks it too)
    n = len(files)
    documents = [read_document(path, data) for path, data in files]
    raw = [items_from_blocks(d.blocks) for d in documents]
    restored = [restore_lines(r) for r in raw]
    first = [items[s.start:s.end] for items in restored for s in split_documents(items)[:1]]
    hits = [rec.find_sections(items, rec.SECTIONS) for items in first]
    regions = [{number: region_rows(rec._region(items, h, number)) for number in rec._table_sections()}
               for items, h in zip(first, hits)]
    lines = [[i.text for i in items if i.grid is None] for items in first]
    texts = ["\n".join(x) for x in lines]
    reports = [r for path, data in files for r in load_reports(path, data)]
    template = load("2021")

    rows = [
        ("load_reports (adapter + recognize)", lambda: [load_reports(path, data) for path, data in files]),
        ("  read_document (decode, pick adapter)", lambda: [read_document(path, data) for path, data in files]),
        ("  items_from_blocks", lambda: [items_from_blocks(d.blocks) for d in documents]),
        ("  restore_lines", lambda: [restore_lines(r) for r in raw]),
        ("  split_documents", lambda: [split_documents(items) for items in restored]),
        ("  find_sections", lambda: [rec.find_sections(items, rec.SECTIONS) for items in first]),
        ("  region_rows (tokens)", lambda: [[region_rows(rec._region(items, h, number)) for number in rec._table_sections()]
                                            for items, h in zip(first, hits)]),
        ("  read_tables (2021 template)", lambda: [tables.read_tables(template, r) for r in regions]),
        ("  contact_details", lambda: [metadata.contact_details(t, x) for t, x in zip(texts, lines)]),
        ("  agency_from_body", lambda: [metadata.agency_from_body(t) for t in texts]),
        ("make_signature (narrative clause hashes)", lambda: [make_signature(r, ruleset) for r in reports]),
    ]
    print(f"\n### Recognition, CPU ms per document: {n} generated text documents, best of {args.rounds} rounds\n")
    print("| stage | ms per document |")
    print("|---|---:|")
    # The steps run with the collector held off, as inside recognize (whole calls manage it themselves).
    hold = getattr(rec, "collector_paused", nullcontext)
    for label, work in rows:
        paused = hold if label.startswith("  ") else nullcontext
        print(f"| {label} | {best_ms(work, args.rounds, n, paused):.3f} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
