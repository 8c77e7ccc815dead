"""Batch speed and memory: prints tables, times nothing in the test suite.

    python benchmarks/bench_batch.py                 # N = 100, 1,000, 10,000 (about 10 minutes)
    python benchmarks/bench_batch.py --quick         # N = 100, 1,000
    python benchmarks/bench_batch.py --sections one,cache --sizes 1000

Reports are generated from the seeds (``examples/reports``): the four text layouts of
``tests/recognize/layouts.py``, and HTML and DOCX from ``tests/adapters/builders.py``; each file
gets its own title so no two files are alike. Every audit runs as its own ``auditor audit``
process with the standard packs and JSON output, exactly as a user runs it; its process tree is
sampled with psutil for peak memory (main process, and main plus workers): install with
``pip install -e ".[test,dask]"`` (distributed requires psutil; the dask section needs the rest).

The floor is what any tool must spend on the same files: read, decode, one regex pass — in
one process, measured in the same run. "x floor" is the audit's time over the floor's time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEEDS = ROOT / "examples" / "reports"
SINGLE_DOC_SEEDS = ("000_60dfc1bb3c346b4a.txt", "001_1fa793b153ce3d21.txt", "002_0739bad8c8b1aa45.txt",
                    "003_199c53d3d7ac26c8.txt")
AUDITOR = [sys.executable, "-m", "auditor"]
SECTIONS = ("one", "throughput", "cache", "dask", "broken", "distinct", "profile")


# --------------------------------------------------------------------------------------------
# Generated reports
# --------------------------------------------------------------------------------------------


def _templates(kind: str) -> list[tuple[str, bytes]]:
    """(suffix, bytes) per seed and layout; the title line carries ``{n}`` to be filled in."""
    from auditor.reading import load_reports

    out = []
    for name in SINGLE_DOC_SEEDS:
        seed = SEEDS / name
        if kind == "text":
            from tests.recognize.layouts import LAYOUTS, render

            (report,) = load_reports(seed)
            for layout in LAYOUTS:
                out.append((".txt", render(report, layout).encode("utf-8")))
        else:
            from tests.adapters.builders import plan_from_text, to_docx, to_html

            plan = plan_from_text(seed)
            data = to_html(plan) if kind == "html" else to_docx(plan)
            out.append((".html" if kind == "html" else ".docx", data))
    return out


def generate(folder: Path, n: int, kind: str, *, broken_every: int = 0, distinct: bool = False) -> int:
    """Write ``n`` reports of ``kind`` (text, html, docx) into ``folder``; returns total bytes.
    With ``broken_every``, every that-many-th file is broken (corrupt, empty or binary); with
    ``distinct`` (text), no two files share a narrative clause (``_own_narrative``)."""
    folder.mkdir(parents=True, exist_ok=True)
    templates = _templates(kind)
    total = 0
    for i in range(n):
        suffix, data = templates[i % len(templates)]
        if broken_every and i % broken_every == broken_every - 1:
            suffix, data = [(".docx", b"PK\x03\x04 not a zip at all"), (".txt", b""),
                            (".txt", bytes(range(256)) * 40)][(i // broken_every) % 3]
        elif suffix == ".txt":  # a unique title: no two files alike
            data = data.replace("年度报告".encode(), f"年度报告（第{i}号）".encode(), 1)
            if distinct:
                data = _own_narrative(data.decode("utf-8"), i).encode("utf-8")
        elif suffix == ".html":
            data = data.replace(b"</body>", f"<!-- {i} --></body>".encode(), 1)
        path = folder / f"{i:06d}{suffix}"
        path.write_bytes(data)
        total += len(data)
    return total


_TAGS = ("春夏秋冬东南西北山川河海风云雷电松竹梅兰金木水火土日月星辰江湖田园花草鱼鸟虫龙虎牛马羊猴鸡狗猪鼠"
         "兔蛇琴棋书画诗酒茶歌舞剑红黄蓝绿青紫白黑灰橙甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥天地人和")
_FACT_LINES = re.compile("统计|联系|电话|邮箱|地址|网址|邮编|传真|年度报告")


def _own_narrative(text: str, i: int) -> str:
    """The generated reports repeat four narratives, so the cross-document comparison holds
    four texts whatever N is. Here every clause of every long prose line gets a three-character
    tag of its own file, so no two files share a clause — as in a real batch, where each office
    writes its own (the tables, the period and contact lines are left as they are)."""
    n = len(_TAGS)
    tag = _TAGS[i % n] + _TAGS[i // n % n] + _TAGS[i // n // n % n]
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if len(line) >= 60 and not _FACT_LINES.search(line):
            lines[number] = re.sub(r"([，。；,;])", tag + r"\1", line)
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Running and measuring
# --------------------------------------------------------------------------------------------


class Measured:
    def __init__(self, wall: float, peak_main: int, peak_total: int, code: int, stderr: str) -> None:
        self.wall, self.peak_main, self.peak_total, self.code, self.stderr = wall, peak_main, peak_total, code, stderr


def run(args: Sequence[str], env: dict[str, str]) -> Measured:
    """One ``auditor`` process; peak RSS of it alone and of it with its workers (psutil)."""
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen([*AUDITOR, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            cwd=str(ROOT))
    peaks = [0, 0]
    stop = threading.Event()

    def sample() -> None:
        try:
            parent = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            try:
                main = parent.memory_info().rss
                total = main + sum(c.memory_info().rss for c in parent.children(recursive=True))
            except psutil.Error:
                break
            peaks[0], peaks[1] = max(peaks[0], main), max(peaks[1], total)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    return Measured(wall, peaks[0], peaks[1], proc.returncode, err.decode("utf-8", "replace"))


def floor(folder: Path) -> float:
    """Seconds to read, decode and scan every file once in this process (best of three: the
    machine is shared, and the floor is small enough for noise to matter)."""
    digits = re.compile(r"\d+")
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for path in sorted(folder.iterdir()):
            data = path.read_bytes()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("gb18030", "replace")
            digits.findall(text)
        best = min(best, time.perf_counter() - started)
    return best


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:.0f}"


def table(title: str, header: Sequence[str], rows: list[Sequence[object]]) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    sys.stdout.flush()


def comparable(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("created", "run_id", "command"):
        data.pop(key, None)
    return data


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


def bench_one(work: Path, env: dict[str, str]) -> None:
    one = work / "one"
    generate(one, 1, "text")
    (file,) = one.iterdir()
    out = str(work / "one.json")
    rows = []
    for label, args in (("auditor --version", ["--version"]),
                        ("audit 1 text report, cached rules and result",
                         ["audit", str(file), "--format", "json", "-o", out]),
                        ("audit 1 text report, result cache off", ["audit", str(file), "--format", "json", "-o", out,
                                                                   "--no-cache"]),
                        ("audit 1 text report, --jobs 2 (still in process)", ["audit", str(file), "--format", "json",
                                                                             "-o", out, "--jobs", "2"])):
        run(args, env)  # warm: compiled rules and bytecode cached, as on any second use
        walls = sorted(run(args, env).wall for _ in range(7))
        rows.append((label, f"{walls[0] * 1000:.0f}", f"{walls[len(walls) // 2] * 1000:.0f}"))
    # A report the result cache has not seen (other bytes each run), rules' trees cached.
    text = file.read_text(encoding="utf-8")
    walls = []
    (work / "one-new").mkdir(exist_ok=True)
    for n in range(8):
        fresh = work / "one-new" / f"new-{n}-{time.time_ns()}.txt"
        fresh.write_text(f"{text}\n（第{n}稿）\n", encoding="utf-8")
        wall = run(["audit", str(fresh), "--format", "json", "-o", out], env).wall
        walls += [wall] if n else []  # the first warms the new files' folder and bytecode
    walls.sort()
    rows.insert(2, ("audit 1 new text report, cached rules (no result yet)", f"{walls[0] * 1000:.0f}",
                    f"{walls[len(walls) // 2] * 1000:.0f}"))
    table("One file (wall ms, 7 runs)", ("command", "best", "median"), rows)


def bench_throughput(work: Path, env: dict[str, str], sizes: Sequence[int]) -> dict[int, Measured]:
    rows = []
    text_runs: dict[int, Measured] = {}
    plan = [("text", n, jobs) for n in sizes for jobs in ((1, 2) if n <= 1000 else (2,))]
    plan += [(kind, n, 2) for kind in ("html", "docx") for n in sizes if n <= 1000]
    for kind, n, jobs in plan:
        folder = work / f"{kind}-{n}"
        if not folder.exists():
            generate(folder, n, kind)
        size = sum(p.stat().st_size for p in folder.iterdir())
        base = floor(folder)
        m = run(["audit", str(folder), "--format", "json", "-o", str(work / "out.json"), "--no-cache",
                 "--jobs", str(jobs), "--fail-on", "never"], env)
        docs = len(json.loads((work / "out.json").read_text(encoding="utf-8"))["documents"])
        if kind == "text" and jobs == 2:
            text_runs[n] = m
        rows.append((kind, n, jobs, f"{m.wall:.1f}", f"{docs / m.wall:.0f}", f"{size / m.wall / 1e6:.2f}",
                     mib(m.peak_main), mib(m.peak_total), f"{n / base:.0f}", f"{m.wall / base:.0f}"))
    table("Throughput, cold (no result cache), standard packs, JSON output",
          ("kind", "files", "jobs", "wall s", "docs/s", "MB/s", "peak main MiB", "peak all MiB", "floor docs/s",
           "x floor"), rows)
    return text_runs


def bench_cache(work: Path, env: dict[str, str], sizes: Sequence[int]) -> None:
    rows = []
    for n in sizes:
        folder = work / f"text-{n}"
        if not folder.exists():
            generate(folder, n, "text")
        cache = work / f"cache-{n}"
        shutil.rmtree(cache, ignore_errors=True)
        local = dict(env, AUDITOR_CACHE_DIR=str(cache))
        outs = [work / f"cold-{n}.json", work / f"warm-{n}.json"]
        cold = run(["audit", str(folder), "--format", "json", "-o", str(outs[0]), "--jobs", "2", "--fail-on",
                    "never"], local)
        warm = run(["audit", str(folder), "--format", "json", "-o", str(outs[1]), "--jobs", "2", "--fail-on",
                    "never"], local)
        same = comparable(outs[0]) == comparable(outs[1])
        rows.append((n, f"{cold.wall:.2f}", f"{warm.wall:.2f}", f"{cold.wall / warm.wall:.1f}x",
                     "identical" if same else "DIFFERENT", mib(warm.peak_main)))
    table("Cold vs cached re-audit of an unchanged folder (text, --jobs 2)",
          ("files", "cold s", "cached s", "speed-up", "JSON outputs", "cached peak MiB"), rows)


def bench_dask(work: Path, env: dict[str, str], n: int) -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("\n(Dask not installed: pip install \"auditor[dask]\")")
        return
    folder = work / f"text-{n}"
    if not folder.exists():
        generate(folder, n, "text")
    rows = []
    reference = None
    for label, extra in (("local pool --jobs 1 (in process)", ["--jobs", "1"]), ("local pool --jobs 2", ["--jobs", "2"]),
                         ("Dask LocalCluster, 1 worker", ["--scheduler", "local:1"]),
                         ("Dask LocalCluster, 2 workers", ["--scheduler", "local:2"])):
        out = work / "dask.json"
        m = run(["audit", str(folder), "--format", "json", "-o", str(out), "--no-cache", "--fail-on", "never",
                 *extra], env)
        data = comparable(out)
        reference = reference or data
        rows.append((label, f"{m.wall:.1f}", f"{n / m.wall:.0f}", mib(m.peak_total),
                     "same" if data == reference else "DIFFERENT"))
    table(f"Where it runs: {n} text reports (wall includes starting the cluster)",
          ("scheduler", "wall s", "docs/s", "peak all MiB", "results vs first row"), rows)


def bench_broken(work: Path, env: dict[str, str], big: int, small: int) -> None:
    rows = []
    peaks = {}
    for n in (small, big):
        folder = work / f"broken-{n}"
        if not folder.exists():
            generate(folder, n, "text", broken_every=100)
        out = work / f"broken-{n}.json"
        m = run(["audit", str(folder), "--format", "json", "-o", str(out), "--no-cache", "--jobs", "2"], env)
        data = json.loads(out.read_text(encoding="utf-8"))
        sources = {d["source"] for d in data["documents"]}
        errors = sum(1 for d in data["documents"] if d["error"])
        every = sources == {str(p) for p in folder.iterdir()}
        peaks[n] = m
        rows.append((n, n // 100, errors, "yes" if every else "NO", m.code, f"{m.wall:.1f}", mib(m.peak_main),
                     mib(m.peak_total)))
    table("1% broken files (corrupt DOCX, empty, binary) in a text batch, --jobs 2",
          ("files", "broken", "error entries", "every input in JSON", "exit", "wall s", "peak main MiB",
           "peak all MiB"), rows)
    print(f"\npeak memory {big} vs {small} files: main {peaks[big].peak_main / peaks[small].peak_main:.2f}x, "
          f"main + workers {peaks[big].peak_total / peaks[small].peak_total:.2f}x")


def bench_distinct(work: Path, env: dict[str, str], big: int, small: int) -> None:
    """Memory when every file has a narrative of its own (``_own_narrative``): what the
    cross-document comparison holds grows with the distinct texts, which the repeated
    narratives of the other sections hide."""
    rows = []
    peaks = {}
    for n in (small, big):
        folder = work / f"distinct-{n}"
        if not folder.exists():
            generate(folder, n, "text", distinct=True)
        out = work / f"distinct-{n}.json"
        m = run(["audit", str(folder), "--format", "json", "-o", str(out), "--no-cache", "--jobs", "2"], env)
        peaks[n] = m
        rows.append((n, f"{m.wall:.1f}", f"{n / m.wall:.0f}", mib(m.peak_main), mib(m.peak_total)))
    table("Every narrative different (text, --jobs 2, cold)",
          ("files", "wall s", "docs/s", "peak main MiB", "peak all MiB"), rows)
    print(f"\npeak memory {big} vs {small} files: main {peaks[big].peak_main / peaks[small].peak_main:.2f}x, "
          f"main + workers {peaks[big].peak_total / peaks[small].peak_total:.2f}x")


def bench_profile(work: Path, n: int = 200) -> None:
    """Where one process spends its time on text reports (cProfile, in process), and each
    stage's cost per document without the profiler, on the worker's side and on the parent's."""
    from auditor import runner

    folder = work / f"profile-{n}"
    if not folder.exists():
        generate(folder, n, "text")
    files = [str(p) for p in sorted(folder.iterdir())]
    ruleset = runner.RuleSpec().load()
    list(runner.iter_batch([str(p) for p in sorted(SEEDS.glob("*.txt"))], ruleset=ruleset, jobs=1))  # warm
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    docs = list(runner.iter_batch(files, ruleset=ruleset, jobs=1, full_reports=False))
    profile.disable()
    wall = time.perf_counter() - started
    stats = pstats.Stats(profile)
    stages = {"read bytes": "reading.py:read_bytes", "adapter (bytes → blocks)": "reading.py:read_document",
              "recognize (blocks → report)": "recognize/__init__.py:recognize",
              "rules (evaluate)": "engine.py:evaluate", "localize (failed identities)": "engine.py:localize",
              "signature (cross-document facts)": "crossdoc.py:make_signature",
              "slim + share results": "runner.py:share"}
    found = {}
    for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        for label, where in stages.items():
            file_part, func = where.split(":")
            if filename.endswith(file_part) and name == func:
                found[label] = found.get(label, 0.0) + cumulative
    rows = [(label, f"{found.get(label, 0):.2f}", f"{100 * found.get(label, 0) / wall:.0f}%") for label in stages]
    table(f"Where the time goes: {len(docs)} text documents in one process, {wall:.1f} s under cProfile",
          ("stage", "s", "share"), rows)
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("tottime").print_stats(12)
    print("\n```\n" + "\n".join(buffer.getvalue().splitlines()[6:22]) + "\n```")
    bench_stages(files, ruleset)


def bench_stages(files: Sequence[str], ruleset: object) -> None:
    """Milliseconds per document for each stage, timed one by one without the profiler: what a
    pool worker does, then what the parent does with the worker's answer."""
    from auditor import runner
    from auditor.crossdoc import completer, cross_outcomes, make_signature
    from auditor.docstore import DocumentStore
    from auditor.reading import load_reports, read_bytes
    from auditor.reporters.json import JsonReporter
    from auditor.worker import encode_entry, slim

    spent: dict[str, float] = {}

    def timed(label: str, work: Any, *args: Any) -> Any:
        started = time.perf_counter()
        result = work(*args)
        spent[label] = spent.get(label, 0.0) + time.perf_counter() - started
        return result

    payloads = []
    for path in files:
        data = timed("read bytes", read_bytes, path, 64 << 20)
        reports = timed("adapter + recognize", load_reports, path, data)
        out = []
        for report in reports:
            outcomes = timed("rules (evaluate)", lambda r=report: tuple(ruleset.evaluate(r, defer=True)))
            corrections = timed("localize", lambda r=report, o=outcomes: tuple(ruleset.localize(r, o)))
            signature = timed("signature", make_signature, report, ruleset)
            out.append(runner.DocumentResult(path=path, report=report, outcomes=outcomes, corrections=corrections,
                                             signature=signature))
        payloads.append(timed("slim + encode (JSON)", lambda d=out: encode_entry([slim(x, full_reports=False)
                                                                                   for x in d])))
    store = DocumentStore()
    for payload in payloads:
        timed("keep: facts, to disk (parent)", store.add, payload)
    started = time.perf_counter()
    with contextlib.suppress(ImportError):
        import datasketch  # noqa: F401  (once per run, whatever its size: timed apart)
    imported = time.perf_counter() - started
    found = timed("cross-document phase (parent)", cross_outcomes, store, ruleset)
    run = runner.build_run(store.view().patched(completer(found)), ruleset)
    timed("JSON output: read back, write (parent)", JsonReporter().write, run, io.BytesIO())
    store.close()
    count = len(files)
    worker = sum(v for k, v in spent.items() if "parent" not in k)
    parent = sum(v for k, v in spent.items() if "parent" in k)
    rows = [(label, f"{seconds / count * 1000:.3f}", f"{100 * seconds / (worker + parent):.0f}%")
            for label, seconds in spent.items()]
    rows.append(("**worker, per document**", f"**{worker / count * 1000:.2f}**", ""))
    rows.append(("**parent, per document**", f"**{parent / count * 1000:.2f}**", ""))
    table(f"Per document, no profiler: {count} text documents (and once per run: importing datasketch "
          f"{imported * 1000:.0f} ms)", ("stage", "ms per document", "share"), rows)
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated batch sizes")
    parser.add_argument("--quick", action="store_true", help="sizes 100 and 1000 only")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"any of {', '.join(SECTIONS)}")
    parser.add_argument("--work", help="folder for generated reports (default: a temporary one)")
    args = parser.parse_args()
    sizes = [100, 1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    sections = set(args.sections.split(","))
    work = Path(args.work or tempfile.mkdtemp(prefix="auditor-bench-"))
    env = dict(os.environ, AUDITOR_CACHE_DIR=str(work / "cache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure as installed: bytecode cached
    print(f"auditor batch benchmark: {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}, work in {work}")
    try:
        if "one" in sections:
            bench_one(work, env)
        if "throughput" in sections:
            bench_throughput(work, env, sizes)
        if "cache" in sections:
            bench_cache(work, env, [n for n in sizes if n >= 1000] or sizes)
        if "dask" in sections:
            bench_dask(work, env, 1000 if 1000 in sizes else sizes[-1])
        if "broken" in sections:
            bench_broken(work, env, max(sizes), 1000 if max(sizes) > 1000 else min(sizes))
        if "distinct" in sections:
            bench_distinct(work, env, max(sizes), 1000 if max(sizes) > 1000 else min(sizes))
        if "profile" in sections:
            bench_profile(work)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
