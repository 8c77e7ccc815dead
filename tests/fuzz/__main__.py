"""Run the fuzz targets longer, by hand.

    python -m tests.fuzz                               every target, 2,000 hypothesis examples each
    python -m tests.fuzz pdf recognizer --examples 20000
    python -m tests.fuzz --atheris docx -- -max_total_time=600   coverage-guided (pip install atheris)

Hypothesis runs are random (not the fixed examples of the normal suite) and print the smallest
failing input they find; atheris takes libFuzzer's options after ``--`` and writes crashing
inputs to ``crash-*`` files, which ``python -m tests.fuzz --replay TARGET FILE…`` runs again.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    own, libfuzzer = (argv[: argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    from tests.fuzz.targets import TARGETS

    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=f"what to fuzz (default: all): {', '.join(TARGETS)}")
    parser.add_argument("--examples", type=int, default=2000, help="hypothesis examples per target")
    parser.add_argument("--atheris", action="store_true", help="coverage-guided fuzzing of one target with atheris")
    parser.add_argument("--replay", nargs="+", metavar="FILE", help="run TARGET on these files (crash inputs)")
    options = parser.parse_args(own)
    unknown = [t for t in options.targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target {unknown[0]!r} (known: {', '.join(TARGETS)})")
    targets = options.targets or list(TARGETS)
    if options.replay:
        for name in options.replay:
            TARGETS[targets[0]](Path(name).read_bytes())
            print(f"{name}: ok")
        return 0
    if options.atheris:
        return _atheris(targets, libfuzzer)
    import pytest

    os.environ["AUDITOR_FUZZ_EXAMPLES"] = str(options.examples)
    selection = " or ".join(f"[{t}]" for t in targets)
    return pytest.main([str(Path(__file__).with_name("test_fuzz.py")), "-q", "-p", "no:cacheprovider",
                        "-k", selection])


def _atheris(targets: list[str], libfuzzer: list[str]) -> int:
    if len(targets) != 1:
        print("--atheris fuzzes one target at a time", file=sys.stderr)
        return 2
    try:
        import atheris
    except ImportError:
        print("--atheris needs atheris: pip install atheris", file=sys.stderr)
        return 2
    with atheris.instrument_imports():
        import auditor.adapters
        import auditor.dsl.parser
        import auditor.recognize  # noqa: F401
        from tests.fuzz.targets import TARGETS, seed_inputs
    corpus = Path(tempfile.gettempdir()) / "auditor-fuzz-corpus" / targets[0]  # kept between runs
    corpus.mkdir(parents=True, exist_ok=True)
    for number, seed in enumerate(seed_inputs(targets[0])):
        (corpus / f"seed-{number}").write_bytes(seed)
    atheris.Setup([sys.argv[0], *libfuzzer, str(corpus)], TARGETS[targets[0]])
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
