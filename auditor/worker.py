"""What runs for each file, wherever it runs: in the main process, a pool worker or a Dask worker.

``audit_file`` reads, recognizes and evaluates one file and never raises on bad input.
``audit_chunk`` does that for a batch of files under the per-file limits and sends back, per
file, only what the outputs need, as an entry (``encode_entry``): the documents' facts, their
results as compact JSON (``auditor.codec``) without the report's full text, and their
signatures — the same text the result cache stores, so the parent can keep it as is.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Optional, Protocol

from auditor.limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, TimeLimitExceeded, describe_memory, time_limit
from auditor.model import AdapterError, DocumentResult, PackedSignature, Report, RuleOutcome, Signature, Source
from auditor.reading import MAX_FILE_BYTES, read_bytes

Reader = Callable[[str], "list[Report]"]
DEFERRED = "跨文档规则，待全部文档读取后评估"  # auditor.engine.DEFERRED (not imported: heavy)
# The report fields the built-in formats other than HTML show (plus the source's path, index and
# first line): what a worker sends back when only those formats are asked for.
SUMMARY_FIELDS = ("kind", "agency", "year", "format", "title", "government_report", "level")


class RuleSetLike(Protocol):
    rules: tuple[Any, ...]
    packs: tuple[Any, ...]

    def evaluate(self, report: Report) -> tuple[RuleOutcome, ...]: ...


@dataclass(frozen=True)
class Limits:
    """Per-file limits: seconds (None: none), worker address space in MiB (None: none), bytes."""

    timeout: Optional[float] = DEFAULT_TIMEOUT
    memory_mb: Optional[int] = DEFAULT_MEMORY_MB
    max_file_bytes: int = MAX_FILE_BYTES


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class FileOutcome:
    """One file's results as sent back by a worker: its ``DocumentResult`` list as an entry
    (``encode_entry``), the SHA-256 of the bytes audited, and whether the result may be cached
    (not a limit hit)."""

    index: int
    payload: str
    digest: Optional[str]
    cacheable: bool


# --------------------------------------------------------------------------------------------
# Names and slim results
# --------------------------------------------------------------------------------------------


def display_path(path: str) -> str:
    """A path as outputs show it: bytes that are not UTF-8 (a GBK or Latin-1 file name, kept by
    Python as surrogate escapes) become ``\\xNN``, so no reporter can fail to encode it. The
    real name is still used to read the file."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        pass
    try:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that no file system produced
        return path.encode("utf-8", "backslashreplace").decode("utf-8")


def slim(doc: DocumentResult, *, full_reports: bool = True) -> DocumentResult:
    """What outputs read of a document, with the display form of its path. ``full_reports``:
    the whole report but its text (sections without their text too) — for the HTML report and
    for third-party reporters, which may read anything. Otherwise only what the built-in
    summary formats show (``SUMMARY_FIELDS``): a fraction of the size to send and keep. The
    signature is packed (``PackedSignature``): text until the cross-document phase reads it."""
    path = display_path(doc.path)
    report = doc.report
    if report is not None:
        source = report.source
        if source.path != path:
            source = dataclasses.replace(source, path=display_path(source.path))
        if full_reports:
            report = dataclasses.replace(report, text="", source=source,
                                         sections=tuple(dataclasses.replace(s, text="") for s in report.sections))
        else:
            report = Report(source=Source(source.path, source.index, source.span),
                            **{name: getattr(report, name) for name in SUMMARY_FIELDS})
    signature = doc.signature
    if isinstance(signature, Signature):
        signature = PackedSignature.pack(signature)
    if path == doc.path and report is doc.report and signature is doc.signature:
        return doc
    return dataclasses.replace(doc, path=path, report=report, signature=signature)


@lru_cache(maxsize=1)
def result_codec() -> Any:
    """The codec for results: every model dataclass; the run's rules sent by id (``share_rules``);
    bodiless outcomes, positions and cited cells shared, so 10^5 documents do not hold 10^5
    copies of each."""
    from auditor import model
    from auditor.codec import Codec, dataclasses_of

    return Codec(dataclasses_of(model), intern=(model.RuleInfo, model.RuleOutcome, model.Span, model.CellRef),
                 refs={model.RuleInfo: "id", model.RuleOutcome: _outcome_key})


def _outcome_key(outcome: RuleOutcome) -> str:
    return f"{outcome.rule.id}/{outcome.status}"


def share_rules(ruleset: Any) -> None:
    """Both ends of a batch (and the cache) encode a run's rules by id, and each rule's plain
    ``pass`` as one short reference: a document's results are then a few hundred bytes, not a
    copy of every rule's title and description."""
    from auditor.model import RuleInfo

    rules = tuple(getattr(ruleset, "rules", ()))
    codec = result_codec()
    codec.set_refs(RuleInfo, rules)
    # Most outcomes: a plain pass, and the stand-in a rule over several documents leaves.
    codec.set_refs(RuleOutcome, [RuleOutcome(rule, "pass") for rule in rules]
                   + [RuleOutcome(rule, "skipped", reason=DEFERRED) for rule in rules])


def encode_results(docs: list[DocumentResult]) -> str:
    return result_codec().dumps(tuple(docs))


def decode_results(payload: str) -> list[DocumentResult]:
    docs = result_codec().loads(payload)
    if not isinstance(docs, tuple) or not all(isinstance(d, DocumentResult) for d in docs):
        from auditor.codec import CodecError

        raise CodecError("not a list of document results")
    return list(docs)


# One file's results as a worker sends them and the result cache keeps them, in lines:
#   1. the length of the rest and the documents' facts (``auditor.docstore.Facts``), JSON;
#   2. the documents without their signatures (``encode_results``);
#   3… each document's packed signature (``PackedSignature.text``; empty: none).
# The parent reads line 1 alone to keep a document (``auditor.docstore``), and the rest only
# when an output reads the document; a signature is never escaped inside other JSON, and the
# JSON output copies it as it is. JSON text holds no raw line break, so lines split cleanly.


def encode_entry(docs: list[DocumentResult]) -> str:
    from auditor.docstore import facts_of

    signatures = [d.signature.text if isinstance(d.signature, PackedSignature) else
                  PackedSignature.pack(d.signature).text if d.signature is not None else "" for d in docs]
    body = "\n".join([encode_results([dataclasses.replace(d, signature=None) if d.signature is not None else d
                                       for d in docs]), *signatures])
    head = json.dumps([len(body), [list(facts_of(d)) for d in docs]], ensure_ascii=False, separators=(",", ":"))
    return head + "\n" + body


# Entries checked in the batch (``runner._valid``) and kept right after (``DocumentStore.add``):
# parsed once. By the entry object itself (held here until its second read), at most a few blocks.
_CHECKED: dict[int, tuple[str, tuple[list[Any], str]]] = {}
CHECKED_AT_MOST = 2048


def check_entry(entry: str) -> None:
    """``entry_facts`` now (a ``CodecError`` if the entry is not one), its answer kept for the
    next ``entry_facts`` of the same entry."""
    if len(_CHECKED) >= CHECKED_AT_MOST:
        _CHECKED.clear()
    _CHECKED[id(entry)] = (entry, entry_facts(entry))


def entry_facts(entry: str) -> tuple[list[Any], str]:
    """The facts of an entry's documents and the rest of it (for ``decode_body``); a
    ``CodecError`` if the entry is not one (corrupt, foreign, an older shape)."""
    from auditor.codec import CodecError

    known = _CHECKED.pop(id(entry), None)
    if known is not None and known[0] is entry:
        return known[1]
    head, _, body = entry.partition("\n")
    length, facts = head_facts(head)
    if length != len(body):
        raise CodecError("not a results entry: damaged")
    return facts, body


def head_facts(head: str) -> tuple[int, list[Any]]:
    """An entry's first line: its body's length and its documents' facts (all the result cache
    reads of an entry in a replayed run); a ``CodecError`` if it is not one."""
    from auditor.codec import CodecError

    try:
        length, rows = json.loads(head)
        facts = [_facts(*row) for row in rows]
    except (ValueError, TypeError) as exc:
        raise CodecError(f"not a results entry: {exc}") from None
    if type(length) is not int or not facts or not all(type(f.path) is str and type(f.index) is int for f in facts):
        raise CodecError("not a results entry: damaged")
    return length, facts


def _facts(path: str, index: int, sha256: Optional[str], error: Optional[str], has_report: bool, has_signature: bool,
           kind: Optional[str] = None, agency: Optional[str] = None, year: Optional[int] = None,
           title: Optional[str] = None, source_path: str = "", source_index: int = 0) -> Any:
    """``Facts`` as small as they can be: the source's path is the document's (one string, not
    two), and the few kinds are shared."""
    from auditor.docstore import Facts

    return Facts(path, index, sha256, error, has_report, has_signature, sys.intern(kind) if type(kind) is str else kind,
                 agency, year, title, path if source_path == path else source_path, source_index)


def decode_body(body: str) -> list[DocumentResult]:
    """The documents of an entry's body (see ``encode_entry``), signatures packed."""
    from auditor.codec import CodecError

    results, *signatures = body.split("\n")
    docs = decode_results(results)
    if len(signatures) != len(docs):
        raise CodecError("not a results entry: signatures missing")
    return [dataclasses.replace(d, signature=PackedSignature(text)) if text else d
            for d, text in zip(docs, signatures)]


def decode_entry(entry: str) -> list[DocumentResult]:
    return decode_body(entry_facts(entry)[1])


def error_entry(path: str, error: str, digest: Optional[str] = None) -> DocumentResult:
    return DocumentResult(path=display_path(path), error=display_path(error), sha256=digest)


# --------------------------------------------------------------------------------------------
# One file
# --------------------------------------------------------------------------------------------


def _default_reader(path: str, data: bytes, max_bytes: int) -> list[Report]:
    from auditor.reading import load_reports

    return load_reports(path, data, max_bytes=max_bytes)


def audit_file(path: str, ruleset: RuleSetLike, read: Optional[Reader] = None, *,
               data: Optional[bytes] = None, max_bytes: int = MAX_FILE_BYTES) -> list[DocumentResult]:
    """Read, recognize and evaluate one file. Never raises on bad input: an unreadable file is
    an error entry; so is a bug tripped by a strange file (with the exception named). Limits
    (``TimeLimitExceeded``, ``MemoryError``) propagate to the caller, which names them."""
    digest: Optional[str] = None
    try:
        if data is None:
            data = read_bytes(path, max_bytes)
        digest = hashlib.sha256(data).hexdigest()
        reports = read(path) if read is not None else _default_reader(path, data, max_bytes)
    except AdapterError as exc:
        return [DocumentResult(path=path, error=str(exc) or "cannot be read", sha256=digest)]
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # a crash on one file must not end the batch
        return [DocumentResult(path=path, error=crash_message(exc), sha256=digest)]
    results = []
    indices = [r.source.index for r in reports]
    if len(set(indices)) != len(indices):  # an adapter that did not number them: use positions
        indices = list(range(len(reports)))
    cross = getattr(ruleset, "has_cross", False)  # rules over several documents: left to auditor.crossdoc
    for index, report in zip(indices, reports):
        try:
            outcomes = tuple(ruleset.evaluate(report, defer=True) if cross else ruleset.evaluate(report))
        except MemoryError:
            raise
        except Exception as exc:
            results.append(DocumentResult(path=path, index=index, report=report, sha256=digest,
                                          error=crash_message(exc)))
            continue
        localize = getattr(ruleset, "localize", None)  # which cells hold the slip (auditor.engine)
        try:
            corrections = tuple(localize(report, outcomes)) if localize is not None else ()
        except Exception:  # advice only: a failure here must not cost the document its findings
            corrections = ()
        signature = None
        if cross:
            from auditor.crossdoc import make_signature

            signature = make_signature(report, ruleset)
        results.append(DocumentResult(path=path, index=index, report=report, outcomes=outcomes, sha256=digest,
                                      corrections=corrections, signature=signature))
    return results


def crash_message(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" at {Path(frame[0].filename).name}:{frame[0].lineno}" if frame else ""
    return f"internal error: {type(exc).__name__}: {exc}{where}"


def timeout_message(seconds: float) -> str:
    return f"timed out after {seconds:g} s (file skipped; a scanned PDF is read page by page with OCR: raise --timeout)"


def memory_message(megabytes: Optional[int]) -> str:
    limit = f"the {describe_memory(megabytes)} memory limit" if megabytes else "the memory available"
    return f"ran out of memory: {limit} was reached (file skipped)"


def run_guarded(path: str, limits: Limits, work: Callable[[], list[DocumentResult]]) -> tuple[list[DocumentResult], bool]:
    """``work()`` under the time limit, with limit hits turned into error entries. Returns the
    results and whether they may be cached (limit hits may not: they depend on the machine)."""
    try:
        with time_limit(limits.timeout):
            return work(), True
    except TimeLimitExceeded:
        return [DocumentResult(path=path, error=timeout_message(limits.timeout or 0))], False
    except MemoryError:
        return [DocumentResult(path=path, error=memory_message(limits.memory_mb))], False
    except RecursionError as exc:
        return [DocumentResult(path=path, error=crash_message(exc))], True


def audit_guarded(path: str, ruleset: RuleSetLike, read: Optional[Reader], limits: Limits, *,
                  data: Optional[bytes] = None) -> tuple[list[DocumentResult], bool]:
    """``audit_file`` under the per-file limits (see ``run_guarded``)."""
    return run_guarded(path, limits, lambda: audit_file(path, ruleset, read, data=data,
                                                        max_bytes=limits.max_file_bytes))


# --------------------------------------------------------------------------------------------
# A batch of files, in a worker
# --------------------------------------------------------------------------------------------


@dataclass
class WorkerState:
    """Set once per worker process (by the pool's initializer or a Dask worker plugin)."""

    ruleset: Any
    read: Optional[Reader]
    limits: Limits
    full_reports: bool


_STATE: Optional[WorkerState] = None


def set_state(state: WorkerState) -> None:
    global _STATE
    _STATE = state
    share_rules(state.ruleset)
    gc.freeze()  # the rules and everything loaded so far stay: never traversed again
    gc.set_threshold(*fewer_collections_threshold())  # a worker process does nothing else


# Reading a report allocates tens of thousands of small objects (lines, tokens, cells) and few
# cycles, while the compiled rules, templates and caches are a large heap that outlives every
# file. Python's defaults (a young collection every 700 allocations, and a full one — through
# that whole heap — every hundred of those) cost ~7% of the time. So the heap alive when a
# batch starts is frozen out of collections (``gc.freeze``) and the young threshold is 2,000.
# Not higher: DOCX and PDF readers leave cycles holding large trees, and collecting them less
# often raises peak memory (50,000 quadrupled it on DOCX batches; 2,000 lowers it).
GC_YOUNG = 2_000


def fewer_collections_threshold() -> tuple[int, int, int]:
    young, middle, old = gc.get_threshold()
    return max(young, GC_YOUNG), middle, old


@contextmanager
def fewer_collections() -> Iterator[None]:
    """For a batch: the heap alive now frozen out of collections and the young threshold
    raised (see ``GC_YOUNG``); both undone at the end."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*fewer_collections_threshold())
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def audit_chunk(tasks: list[tuple[int, str]], state: Optional[WorkerState] = None) -> list[FileOutcome]:
    """Audit ``(index, path)`` pairs with this worker's rule set; one ``FileOutcome`` each."""
    state = state or _STATE
    if state is None:
        raise RuntimeError("worker not initialised: no rule set")
    out = []
    for index, path in tasks:
        docs, cacheable = audit_guarded(path, state.ruleset, state.read, state.limits)
        digest = next((d.sha256 for d in docs if d.sha256), None)
        payload = encode_entry([slim(d, full_reports=state.full_reports) for d in docs])
        out.append(FileOutcome(index, payload, digest, cacheable))
    return out
