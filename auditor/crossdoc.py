"""The cross-document phase: rules that need other documents, run once every document is read.

A batch streams: each file is read, recognized and audited where it runs (this process, a pool
worker, a Dask worker), and only compact results come back. Rules that read ``previous``,
``similar_reports`` or ``publication_deadline`` cannot run there — they need the other documents, the
history, the run's configuration. So, for each document, the worker also sends back its
``Signature`` (``make_signature``): the normalised agency, the publication date, the tables
present, the cells those rules name (the compiler lists them) and the clause hashes of the
narrative. The result cache keeps it with the results; the JSON output carries it, so a
previous run's results can serve as history. Here, in the parent, once all results are in:

1. documents of the run and of the history are paired across years by agency
   (``auditor.agency``): each document's ``previous`` is the one report of the year before whose
   agency is the same; none or several (ambiguous) give the reason instead;
2. narratives are compared with MinHash/LSH (``auditor.similarity``) when a rule reads
   ``similar_reports``;
3. the rules over several documents are evaluated on a report rebuilt from each signature, and
   their outcomes replace the stand-ins the workers left (``engine.DEFERRED``).

Whichever scheduler ran the batch, this phase runs here, on the same signatures: the results do
not depend on where the files were read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Optional, Union

from auditor.agency import GOVERNMENT_BODIES, AgencyName, agency_key, parse_agency
from auditor.dsl.crossfacts import NO_PREVIOUS, NOTHING_COMPARED, Deadline, RunFacts, Similar, statutory_deadline
from auditor.model import DocumentResult, PackedSignature, Report, RuleOutcome, Section, SectionPrint, Signature, Source

RUN = "本批次"
HISTORY = "历史报告"
PAIRED_KINDS = ("annual-report", "legacy-report")


def make_signature(report: Report, ruleset: Any) -> Optional[Signature]:
    """What the rules over several documents need of ``report`` (None when no rule needs any)."""
    if not getattr(ruleset, "has_cross", False) or report.kind == "other":
        return None
    from auditor.narrative import section_prints

    reads = tuple(getattr(ruleset, "signature_reads", ()))
    cells = tuple(cell for cid, cell in report.cells.items() if cid.startswith(reads)) if reads else ()
    return Signature(agency_key=agency_key(report.agency), published=report.published, tables=report.tables,
                     cells=cells, sections=section_prints(report))


@dataclass
class Entry:
    """One document taking part: from the run (``position`` in its results) or the history.

    ``report`` holds what pairing reads (agency, year, kind, title, source); the full
    metadata and the signature are read when a rule needs them — from ``load`` (a document kept
    on disk by ``auditor.docstore``) when given, so the phase never holds every signature."""

    report: Report  # as the results keep it (metadata only)
    signature: Optional[Union[Signature, PackedSignature]]
    sha256: Optional[str]
    source: str
    position: Optional[int] = None
    load: Optional[Stored] = None  # where (report, signature) and the signature alone are read anew

    @property
    def agency(self) -> Optional[AgencyName]:
        return parse_agency(self.report.agency)

    @property
    def identity(self) -> tuple[Any, ...]:
        return (self.sha256 or self.report.source.path, self.report.source.index)

    def full(self) -> tuple[Report, Signature]:
        """The report's metadata and its unpacked signature."""
        if self.load is not None:
            report, signature = self.load.parts()
            report = report or self.report
        else:
            report, signature = self.report, self.signature
        return report, _unpacked(signature)

    @property
    def sections(self) -> tuple[SectionPrint, ...]:
        """The narrative's fingerprints (what ``auditor.similarity`` compares). Read afresh, but
        the last entry's are kept: the comparison asks for one document's many times in a row."""
        global _LAST_SECTIONS
        if _LAST_SECTIONS[0] is self:
            return _LAST_SECTIONS[1]
        signature = self.load.signature() if self.load is not None else self.signature
        if isinstance(signature, PackedSignature):
            sections = _packed_sections(signature.text)
        else:
            sections = signature.sections if signature is not None else ()
        _LAST_SECTIONS = (self, sections)
        return sections

    def view(self) -> tuple[Report, dict[int, frozenset[int]]]:
        """The report a rule over several documents sees, and its sections' clause sets."""
        from auditor.narrative import unpack_hashes

        full, signature = self.full()
        sections = tuple(Section(number=p.number, heading="", standard=True, text="") for p in signature.sections)
        prints = {id(s): frozenset(unpack_hashes(p.clauses)) for s, p in zip(sections, signature.sections)}
        report = dataclasses.replace(full, published=signature.published, tables=signature.tables,
                                     cells={c.id: c for c in signature.cells}, sections=sections, text="",
                                     readings=(), notes=())
        return report, prints


_LAST_SECTIONS: tuple[Optional[Entry], tuple[SectionPrint, ...]] = (None, ())


def _unpacked(signature: Optional[Union[Signature, PackedSignature]]) -> Signature:
    if isinstance(signature, PackedSignature):
        return signature.unpack()
    return signature if signature is not None else Signature()


def entries_of(documents: Any, source: str = RUN) -> list[Entry]:
    """The documents that take part: read, a report, with a signature. ``documents`` is a
    sequence of results or a ``DocumentStore`` (whose documents stay on disk until read)."""
    from auditor.docstore import DocumentStore

    out = []
    if isinstance(documents, DocumentStore):
        store = documents
        for position, f in enumerate(store.facts):
            if f.has_report and f.has_signature and f.kind != "other":
                report = _Meta(f.kind or "annual-report", f.agency, f.year, f.title,
                               _Source(f.source_path, f.source_index))
                out.append(Entry(report, None, f.sha256, source, position if source == RUN else None,
                                 load=Stored(store, position)))
        return out
    for position, doc in enumerate(documents):
        if doc.report is not None and doc.signature is not None and doc.report.kind != "other":
            out.append(Entry(doc.report, doc.signature, doc.sha256, source, position if source == RUN else None))
    return out


class Stored:
    """A document kept on disk by a ``DocumentStore``, read when the phase needs it (one small
    object a document: the phase holds one for every document of a run at once)."""

    __slots__ = ("position", "store")

    def __init__(self, store: Any, position: int) -> None:
        self.store, self.position = store, position

    def parts(self) -> tuple[Optional[Report], Any]:
        """The report metadata and the signature, without decoding the rest of the document."""
        from auditor.worker import result_codec

        raw, signature = self.store.parts(self.position)
        report = result_codec().decode(raw["report"]) if raw.get("report") is not None else None
        return report, PackedSignature(signature) if signature else None

    def signature(self) -> Optional[PackedSignature]:
        text = self.store.signature_text(self.position)
        return PackedSignature(text) if text else None


class _Source(NamedTuple):
    path: str
    index: int


class _Meta(NamedTuple):
    """What pairing reads of a stored document's report (``Entry.report``): a tenth of a
    ``Report``'s size, for every document of a run at once."""

    kind: str
    agency: Optional[str]
    year: Optional[int]
    title: Optional[str]
    source: _Source


SECTIONS_KEY = '"sections": '  # the last key of ``Signature.to_json``, as ``PackedSignature.pack`` writes it


def _packed_sections(text: str) -> tuple[SectionPrint, ...]:
    """A packed signature's sections alone: the text after its last key, parsed (the cells
    before it are not); the whole signature if that is not where it should be."""
    at = text.rfind(SECTIONS_KEY)
    try:
        data = json.loads(text[at + len(SECTIONS_KEY):-1]) if at > 0 and text.endswith("}") else None
    except ValueError:
        data = None
    if not isinstance(data, list):
        return Signature.from_json(json.loads(text)).sections
    return Signature.from_json({"sections": data}).sections


def complete(documents: Sequence[DocumentResult], ruleset: Any, *, history: Iterable[Entry] = (),
             deadline: Optional[Callable[[Report], Deadline]] = None, cache: Any = None,
             settings: str = "") -> list[DocumentResult]:
    """The documents with the outcomes of the rules over several documents filled in.

    ``cache`` (a ``ResultCache``) keeps this phase's outcomes for the whole run, keyed by every
    document's path, index and content hash with the cache's salt and ``settings`` (what else
    shapes them: the deadline configuration): a re-audit of an unchanged folder then neither
    pairs nor compares again. Not with a history (it has no key of its own)."""
    documents = list(documents)
    if not getattr(ruleset, "has_cross", False):
        return documents
    found = cross_outcomes(documents, ruleset, history=history, deadline=deadline, cache=cache, settings=settings)
    apply = completer(found)
    return [apply(position, doc) for position, doc in enumerate(documents)]


def cross_outcomes(documents: Any, ruleset: Any, *, history: Iterable[Entry] = (),
                   deadline: Optional[Callable[[Report], Deadline]] = None, cache: Any = None,
                   settings: str = "") -> dict[int, dict[str, RuleOutcome]]:
    """The outcomes of the rules over several documents, by position of the document in
    ``documents`` (a sequence of results or a ``DocumentStore``): what ``completer`` fills in."""
    if not getattr(ruleset, "has_cross", False):
        return {}
    run = entries_of(documents)
    history = list(history)
    key = run_key(documents, cache, settings) if cache is not None and not history else None
    count = len(documents)
    found = _load_outcomes(cache, key, ruleset, count) if key is not None else None
    if found is None:
        found = _cross_outcomes(run, run + history, ruleset, deadline)
        if key is not None:
            _store_outcomes(cache, key, found, ruleset)
    return found


def completer(found: dict[int, dict[str, RuleOutcome]]) -> Callable[[int, DocumentResult], DocumentResult]:
    """What turns a document's stand-ins into the outcomes ``found`` holds for its position (or
    says why none could be had): applied to each document as it is read."""
    from auditor.engine import DEFERRED

    def apply(position: int, doc: DocumentResult) -> DocumentResult:
        outcomes = found.get(position)
        if outcomes is not None:
            doc = dataclasses.replace(doc, outcomes=tuple(
                outcomes.get(o.rule.id, o) if o.status == "skipped" and o.reason == DEFERRED else o
                for o in doc.outcomes))
        return _no_signature(doc, DEFERRED)

    return apply


def _cross_outcomes(run: Sequence[Entry], pool: Sequence[Entry], ruleset: Any,
                    deadline: Optional[Callable[[Report], Deadline]]) -> dict[int, dict[str, RuleOutcome]]:
    """Each run entry's outcomes of the rules over several documents, by its position."""
    from auditor.similarity import MIN_CLAUSES  # not at the top: a replayed run imports this module alone

    names = ruleset.cross_names
    previous = pair_years(run, pool) if "previous" in names else {}
    similar, compared, unavailable = _similar(run, pool) if "similar_reports" in names else ({}, set(), None)
    out: dict[int, dict[str, RuleOutcome]] = {}
    shared: dict[tuple[str, str, str], RuleOutcome] = {}
    for entry in run:
        report, prints = entry.view()
        prev_entry, reason = previous.get(id(entry), (None, NO_PREVIOUS))
        prev_report = None
        if prev_entry is not None:
            prev_report, prev_prints = prev_entry.view()
            prints.update(prev_prints)
        others = similar.get(id(entry), [])
        facts = RunFacts(previous=prev_report, no_previous=reason, similar=tuple(others),
                         compared=len(compared) - 1 if id(entry) in compared else 0,
                         not_compared=(NOTHING_COMPARED if len(compared) > 1 or id(entry) not in compared
                                       else "本批次和历史报告中没有其他可比较的报告")
                         if id(entry) in compared else f"正文叙述过短（少于{MIN_CLAUSES}个分句），不作雷同比较",
                         deadline=deadline or statutory_deadline, prints=prints)
        outcomes = ruleset.evaluate_cross(report, facts)
        if unavailable is not None:
            outcomes = {rid: (RuleOutcome(o.rule, "not_assessable", reason=unavailable)
                              if o.status == "skipped" and rid in _similar_rules(ruleset) else o)
                        for rid, o in outcomes.items()}
        # Outcomes without findings (a pass, a reason) are one object for all the documents.
        out[entry.position] = {rid: o if o.findings else shared.setdefault((rid, o.status, o.reason), o)  # type: ignore[index]
                               for rid, o in outcomes.items()}
    return out


# ---------------------------------------------------------------- the phase's cache


def run_key(documents: Any, cache: Any, settings: str = "") -> str:
    """What the phase's outcomes depend on, hashed: every document's path, index, content hash,
    error and whether it has a signature (its signature follows from its bytes and the salt),
    in order; the cache's salt (code, rules, options); ``settings``; datasketch's version."""
    from auditor.docstore import DocumentStore, facts_of

    digest = hashlib.sha256(f"cross\0{cache.salt}\0{settings}\0{datasketch_version()}\0".encode())
    facts = documents.facts if isinstance(documents, DocumentStore) else (facts_of(d) for d in documents)
    for f in facts:
        digest.update(f"{f.path}\0{f.index}\0{f.sha256}\0{f.error}\0{f.has_signature}\n"
                      .encode("utf-8", "surrogateescape"))
    return "cross-" + digest.hexdigest()


def datasketch_version() -> str:
    """Installed or not, and which: looked up without importing it (that takes ~0.4 s)."""
    from importlib import metadata

    try:
        return metadata.version("datasketch")
    except metadata.PackageNotFoundError:
        return "none"


def _load_outcomes(cache: Any, key: str, ruleset: Any, count: int) -> Optional[dict[int, dict[str, RuleOutcome]]]:
    from auditor.codec import CodecError
    from auditor.worker import result_codec, share_rules

    payload = cache.get_many([key]).get(key)
    if payload is None:
        return None
    share_rules(ruleset)
    try:
        data = result_codec().loads(payload)
    except CodecError:
        return None  # a corrupt entry is a miss
    if not isinstance(data, tuple) or not all(
            isinstance(item, tuple) and len(item) == 2 and type(item[0]) is int and 0 <= item[0] < count
            and isinstance(item[1], dict)
            and all(isinstance(o, RuleOutcome) for o in item[1].values()) for item in data):
        return None
    return dict(data)


def _store_outcomes(cache: Any, key: str, found: dict[int, dict[str, RuleOutcome]], ruleset: Any) -> None:
    from auditor.codec import CodecError
    from auditor.worker import result_codec, share_rules

    share_rules(ruleset)
    try:
        payload = result_codec().dumps(tuple((position, outcomes) for position, outcomes in found.items()))
    except CodecError:
        return
    cache.put_many([(key, payload)])


def _no_signature(doc: DocumentResult, deferred: str) -> DocumentResult:
    """A document whose stand-ins no signature could replace says so (never a silent stand-in)."""
    if not any(o.status == "skipped" and o.reason == deferred for o in doc.outcomes):
        return doc
    reason = "文档缺少跨文档比对所需的信息，无法评估"
    return dataclasses.replace(doc, outcomes=tuple(dataclasses.replace(o, reason=reason) if o.reason == deferred else o
                                                   for o in doc.outcomes))


def _similar_rules(ruleset: Any) -> frozenset[str]:
    return frozenset(r.info.id for r in ruleset.compiled if "similar_reports" in r.cross)


# ---------------------------------------------------------------- pairing across years


def pair_years(run: Sequence[Entry], pool: Sequence[Entry]) -> dict[int, tuple[Optional[Entry], str]]:
    """Each run entry's report of the year before (by ``id(entry)``), or None and why."""
    by_year: dict[tuple[str, int], list[Entry]] = {}
    for entry in pool:
        agency = entry.agency
        if agency is not None and entry.report.year is not None and entry.report.kind in PAIRED_KINDS \
                and not _guessed_place(entry):
            by_year.setdefault((agency.body, entry.report.year), []).append(entry)
    # The candidates depend only on the agency and the year: found once for each pair, so a run
    # of many reports by one agency is not compared pair by pair.
    answers: dict[tuple[AgencyName, int], list[Entry]] = {}
    out: dict[int, tuple[Optional[Entry], str]] = {}
    reasons: dict[str, tuple[None, str]] = {}  # each reason once, however many documents give it

    def unpaired(reason: str) -> tuple[None, str]:
        return reasons.setdefault(reason, (None, reason))

    for entry in run:
        agency, year = entry.agency, entry.report.year
        if agency is None:
            out[id(entry)] = unpaired("报告未识别出发布机关，无法与上一年度报告配对")
            continue
        if _guessed_place(entry):
            out[id(entry)] = unpaired(f"报告没有标题，发布机关「{entry.report.agency}」只是从正文推断的地名"
                                      "（可能是其下属部门的报告），不与上一年度报告配对")
            continue
        if year is None:
            out[id(entry)] = unpaired("报告年度不明，无法与上一年度报告配对")
            continue
        candidates = answers.get((agency, year))
        if candidates is None:
            found: dict[tuple[Any, ...], Entry] = {}
            for other in by_year.get((agency.body, year - 1), ()):
                if agency.same_agency(other.agency):  # type: ignore[arg-type]
                    found.setdefault(other.identity, other)  # the same file in the run and the history: once
            candidates = answers[(agency, year)] = sorted(found.values(),
                                                          key=lambda e: (e.source != RUN, e.report.source.path))
        if len(candidates) == 1:
            out[id(entry)] = (candidates[0], "")
        elif not candidates:
            out[id(entry)] = unpaired(f"没有找到{entry.report.agency}{year - 1}年度的报告（在本批次和历史报告中），"
                                      "无法与上一年度比较")
        else:
            names = "、".join(f"{c.report.agency}（{c.report.source.path}）" for c in candidates[:4])
            out[id(entry)] = unpaired(f"{year - 1}年度有{len(candidates)}份报告都可能属于{entry.report.agency}：{names}，"
                                      "无法确定与哪一份比较")
    return out


def _guessed_place(entry: Entry) -> bool:
    """An agency that is a bare place inferred from the body of a report printed without its
    title: a department's report names its place more often than itself (上海市 for 市科委), so
    pairing it with the place's own reports would compare two agencies."""
    agency = entry.agency
    return entry.report.title is None and agency is not None and agency.body in GOVERNMENT_BODIES


# ---------------------------------------------------------------- similar narratives


def _similar(run: Sequence[Entry], pool: Sequence[Entry]) -> tuple[dict[int, list[Similar]], set[int], Optional[str]]:
    from auditor.similarity import Narrative, SimilarityUnavailable, find_similar

    in_run = {id(e) for e in run}
    narratives = [Narrative(key=id(e), agency=e.report.agency, year=e.report.year, path=e.report.source.path,
                            identity=e.identity, signature=e, source=e.source, in_run=id(e) in in_run)  # type: ignore[arg-type]
                  for e in pool]
    try:
        found, compared = find_similar(narratives)
    except SimilarityUnavailable as exc:
        return {}, set(), str(exc)
    return found, compared, None


# ---------------------------------------------------------------- history


def history_entries(documents: Iterable[DocumentResult]) -> list[Entry]:
    """Documents read from ``--history`` (files audited like the run, or a previous run's JSON)."""
    return [dataclasses.replace(e, position=None) for e in entries_of(list(documents), HISTORY)]


def entry_from_json(document: dict[str, Any]) -> Optional[Entry]:
    """A document of a previous run's JSON results (``--format json``), if it kept a signature."""
    data = document.get("signature")
    if not isinstance(data, dict) or document.get("error"):
        return None
    signature = Signature.from_json(data)
    report = Report(source=Source(path=str(document.get("source", "")), index=int(document.get("index") or 0)),
                    kind=document.get("kind") or "annual-report", agency=document.get("agency"),
                    year=document.get("year"), format=document.get("format"), title=document.get("title"))
    return Entry(report, signature, document.get("sha256"), HISTORY)
