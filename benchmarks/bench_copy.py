"""XDOC-COPY at scale: a report copied with only the agency and the year changed, among N others.

    python benchmarks/bench_copy.py [--documents 1000] [--jobs 2]

Writes N generated reports (each agency's own narrative, ``tests/crossdoc/narratives.py``) and
one copy of one of them with the agency and year changed, audits them with the standard packs
(``run_batch``: reading, recognition and signatures in workers), and prints how long the batch
and the cross-document phase (MinHash/LSH, exact check, rules) took, which documents XDOC-COPY
flagged, and what a signature costs per document.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.crossdoc import complete  # noqa: E402
from auditor.engine import load_rules  # noqa: E402
from auditor.runner import iter_batch  # noqa: E402
from tests.crossdoc.narratives import write_reports  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(11)
    ruleset = load_rules()
    with tempfile.TemporaryDirectory() as folder:
        files = write_reports(Path(folder), rng, args.documents, width=5)
        source = files[args.documents // 3]
        original = Path(source).read_text("utf-8")
        first_line = original.split("\n", 1)[0]
        source_agency = first_line.split("2023年")[0]
        copy = Path(folder) / "copy.txt"
        copy.write_text(original.replace(source_agency, "永泰县统计局").replace("2023", "2024"), encoding="utf-8")
        files.append(str(copy))

        started = time.perf_counter()
        docs = list(iter_batch(files, ruleset=ruleset, jobs=args.jobs))
        batch = time.perf_counter() - started
        started = time.perf_counter()
        docs = complete(docs, ruleset)
        phase = time.perf_counter() - started

    flagged = [(Path(d.path).name, f.message) for d in docs for f in d.findings if f.rule == "XDOC-COPY"]
    sizes = [len(json.dumps(d.signature.to_json(), ensure_ascii=False).encode("utf-8")) for d in docs if d.signature]
    print(f"documents {len(files)} ({args.documents} + 1 copy of {Path(source).name} with agency and year changed)")
    print(f"batch (read, recognize, audit, signatures; --jobs {args.jobs}): {batch:.1f} s")
    print(f"cross-document phase (pairing, MinHash/LSH over {len(files)} narratives, exact check, rules): {phase:.2f} s")
    print(f"XDOC-COPY findings: {len(flagged)}")
    for name, message in flagged:
        print(f"  {name}: {message[:150]}")
    print(f"signature per document: {sum(sizes) / len(sizes) / 1024:.1f} KB as JSON (max {max(sizes) / 1024:.1f} KB)")
    expected = {Path(source).name, "copy.txt"}
    ok = {name for name, _ in flagged} == expected
    print("found the copy and nothing else" if ok else f"UNEXPECTED: wanted {sorted(expected)}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
