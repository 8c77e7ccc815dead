"""The documents of a run, kept on disk until an output reads them: memory flat in N.

A batch's results arrive one file at a time as compact JSON (``auditor.worker``: the same
text the result cache stores). Holding every document as Python objects costs ~5 KB each
(~23 KB with its signature) — 10^5 documents would need gigabytes. So the audit command
appends each file's JSON to an anonymous temporary file (``DocumentStore``) and keeps in
memory only a few facts per document (``Facts``: path, hash, error, and the metadata that pairs
reports across years). Outputs read the documents through a ``DocumentView``: a sequence
(``len``, iteration, indexing) that decodes each document as it is reached, with the
run-wide changes made after the batch — cross-document outcomes, waivers — applied as it goes.
Iterating twice gives equal documents.

The temporary file is unlinked as soon as it is created (where the system allows), so a run
killed at any point leaves nothing behind; it is read back with ``os.pread`` at the offsets kept.
"""

from __future__ import annotations

import json
import os
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from typing import Any, Callable, NamedTuple, Optional, Union, overload

from auditor.model import DocumentResult

UNREADABLE = "internal error: the stored results of this file cannot be read (run again with --no-cache)"
Patch = Callable[[int, DocumentResult], DocumentResult]  # (position in the store, document) → document
READ_AHEAD = 1 << 20  # bytes read at once while iterating


class Facts(NamedTuple):
    """What the run keeps in memory of each document: enough to pair reports across years,
    key the cross-document phase and write the run record without reading the document."""

    path: str
    index: int
    sha256: Optional[str]
    error: Optional[str]
    has_report: bool
    has_signature: bool
    kind: Optional[str] = None
    agency: Optional[str] = None
    year: Optional[int] = None
    title: Optional[str] = None
    source_path: str = ""
    source_index: int = 0


def facts_of(doc: DocumentResult) -> Facts:
    report = doc.report
    if report is None:
        return Facts(doc.path, doc.index, doc.sha256, doc.error, False, doc.signature is not None)
    return Facts(doc.path, doc.index, doc.sha256, doc.error, True, doc.signature is not None, report.kind,
                 report.agency, report.year, report.title, report.source.path, report.source.index)


class DocumentStore:
    """Documents appended a file at a time, as the entries workers send and the result cache
    keeps (``auditor.worker.encode_entry``): their facts stay in memory, the rest goes to the
    temporary file undecoded. ``close`` removes the file."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="auditor-results-")  # noqa: SIM115 (closed by close())
        self._fd = self._file.fileno()
        self._end = 0
        self._starts = array("q")  # per file: where its entry starts (-1: not fetched yet, ``add_known``)
        self._ends = array("q")  # per file: where its entry ends
        self._first = array("q")  # per file: the position of its first document
        self._known: dict[int, str] = {}  # per file added by ``add_known``, until fetched: its key
        self.fetch: Optional[Callable[[str], Optional[str]]] = None  # key → entry (``add_known``)
        self._record = array("l")  # per document: its file's number
        self._slot = array("l")  # per document: its place among its file's documents
        self.facts: list[Facts] = []
        self._last: tuple[int, list[DocumentResult]] = (-1, [])
        self._last_raw: tuple[int, list[Any]] = (-1, [])

    def add(self, entry: str) -> None:
        """One file's results (``auditor.worker.encode_entry``; a ``CodecError`` if it is not one)."""
        from auditor.worker import entry_facts

        facts, body = entry_facts(entry)
        record = len(self._starts)
        self._starts.append(self._end)
        self._ends.append(self._end)
        self._write(record, body)
        self._add_facts(record, facts)

    def add_known(self, facts: Sequence[Facts], key: str) -> None:
        """One file's documents known by their facts alone (a replayed run reads no more of
        them); their entry is fetched (``fetch(key)``) only if a document is read after all."""
        record = len(self._starts)
        self._starts.append(-1)
        self._ends.append(-1)
        self._known[record] = key
        self._add_facts(record, facts)

    def _add_facts(self, record: int, facts: Sequence[Facts]) -> None:
        self._first.append(len(self.facts))
        for slot, fact in enumerate(facts):
            self._record.append(record)
            self._slot.append(slot)
            self.facts.append(fact)

    def _write(self, record: int, body: str) -> None:
        """A file's entry body at the end of the temporary file."""
        data = body.encode("utf-8", "surrogatepass")
        if hasattr(os, "pwrite"):
            done = 0
            while done < len(data):
                done += os.pwrite(self._fd, data[done:], self._end + done)
        else:
            self._file.seek(self._end)
            self._file.write(data)
            self._file.flush()
        self._starts[record] = self._end
        self._end += len(data)
        self._ends[record] = self._end

    def _fetch(self, record: int) -> None:
        """The entry of a file added by ``add_known``, from ``fetch``; documents that say their
        results cannot be read if it is gone or not the one whose facts were given."""
        from auditor.codec import CodecError
        from auditor.worker import encode_entry, entry_facts

        key = self._known.pop(record)
        facts = self._facts_of(record)
        entry = self.fetch(key) if self.fetch is not None else None
        try:
            found, body = entry_facts(entry) if entry is not None else ([], "")
        except CodecError:
            found = []
        if found != facts:
            body = entry_facts(encode_entry([DocumentResult(path=f.path, index=f.index, sha256=f.sha256,
                                                            error=UNREADABLE) for f in facts]))[1]
        self._write(record, body)

    def __len__(self) -> int:
        return len(self.facts)

    def _bounds(self, record: int) -> tuple[int, int]:
        """Where a file's entry starts and ends in the temporary file."""
        if self._starts[record] < 0:
            self._fetch(record)
        return self._starts[record], self._ends[record]

    def _read(self, record: int) -> bytes:
        return self._read_span(*self._bounds(record))

    def _docs_of(self, record: int, data: Optional[bytes] = None) -> list[DocumentResult]:
        if self._last[0] != record:
            from auditor.codec import CodecError
            from auditor.worker import decode_body

            text = (data if data is not None else self._read(record)).decode("utf-8", "surrogatepass")
            try:
                docs = decode_body(text)
            except CodecError:  # a damaged entry that passed its check: said, never dropped
                docs = [DocumentResult(path=f.path, index=f.index, sha256=f.sha256, error=UNREADABLE)
                        for f in self._facts_of(record)]
            self._last = (record, docs)
        return self._last[1]

    def _facts_of(self, record: int) -> list[Facts]:
        end = self._first[record + 1] if record + 1 < len(self._first) else len(self.facts)
        return self.facts[self._first[record]:end]

    def document(self, position: int) -> DocumentResult:
        """The document at ``position`` as the worker sent it (before run-wide changes)."""
        return self._docs_of(self._record[position])[self._slot[position]]

    def parts(self, position: int) -> tuple[Any, str]:
        """The document at ``position`` as parsed JSON, not decoded, and its packed signature's
        text ("": none): for reading a part of it (``auditor.worker.result_codec().decode``
        of one field) at a fraction of the cost of the whole."""
        lines = self._lines(self._record[position])
        if lines[0] is None:
            lines[0] = json.loads(lines[1])
        slot = self._slot[position]
        return lines[0][slot], lines[2 + slot]

    def signature_text(self, position: int) -> str:
        """The packed signature of the document at ``position`` ("": none), nothing decoded."""
        return self._lines(self._record[position])[2 + self._slot[position]]

    def _lines(self, record: int) -> list[Any]:
        """[parsed results or None, results line, signature lines…] of the last record read."""
        if self._last_raw[0] != record:
            self._last_raw = (record, [None, *self._read(record).decode("utf-8", "surrogatepass").split("\n")])
        return self._last_raw[1]

    def documents(self, positions: Optional[Sequence[int]] = None) -> Iterator[tuple[int, DocumentResult]]:
        """(position, document) in store order, reading ahead in large blocks."""
        wanted = range(len(self.facts)) if positions is None else positions
        block_start, block = 0, b""
        for position in wanted:
            record = self._record[position]
            if self._last[0] != record:
                start, end = self._bounds(record)
                if not (block_start <= start and end <= block_start + len(block)):
                    block_start = start
                    block = self._read_span(start, max(end, min(start + READ_AHEAD, self._end)))
                self._docs_of(record, block[start - block_start:end - block_start])
            yield position, self._last[1][self._slot[position]]

    def _read_span(self, start: int, end: int) -> bytes:
        if hasattr(os, "pread"):
            return os.pread(self._fd, end - start, start)
        self._file.seek(start)
        return self._file.read(end - start)

    def view(self) -> DocumentView:
        return DocumentView(self)

    def close(self) -> None:
        self._file.close()


class Spool:
    """Rendered output kept in an anonymous temporary file until it is written out."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="auditor-rendered-")  # noqa: SIM115 (closed by close())
        self.size = 0

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.size += len(data)

    def blocks(self) -> Iterator[bytes]:
        self._file.flush()
        self._file.seek(0)
        while True:
            block = self._file.read(READ_AHEAD)
            if not block:
                return
            yield block

    def close(self) -> None:
        self._file.close()


class Recording:
    """What a format writes of each document, passed on; at the end, with the summary counts
    its pass left in the view (``memo('summary')``)."""

    def __init__(self, view: DocumentView, sink: Any) -> None:
        self._view = view
        self._sink = sink

    def add(self, text: str) -> None:
        self._sink.add(text)

    def done(self) -> None:
        counts = self._view._memo.get("summary")
        if counts is not None:
            self._sink.done(counts)


class DocumentView(Sequence[DocumentResult]):
    """A run's documents as outputs read them: the store's, some left out (``select``), each
    changed by ``patches`` in order as it is read. Immutable: ``patched`` and ``select`` give
    new views. ``memo`` keeps what a whole pass computed (summary counts), once per view."""

    def __init__(self, store: DocumentStore, positions: Optional[Sequence[int]] = None,
                 patches: tuple[Patch, ...] = ()) -> None:
        self.store = store
        self._positions = positions
        self._patches = patches
        self._memo: dict[str, Any] = {}
        self._replays: dict[str, Spool] = {}
        self._recorders: dict[str, Callable[[], Any]] = {}

    # A format that renders every document the same way whenever nothing changed (the JSON
    # output) can be replayed: the audit command finds what it wrote for an identical run in
    # the result cache and hands it here with the run's summary counts; or, when it has none,
    # asks to have what the format writes recorded (``auditor.resultcache.RenderedRecorder``).

    def replay(self, name: str, spool: Spool, counts: dict[str, Any]) -> None:
        """Give format ``name`` its rendered documents (``rendered``) and the summary counts."""
        self._replays[name] = spool
        self._memo["summary"] = counts

    def rendered(self, name: str) -> Optional[Iterator[bytes]]:
        """What format ``name`` wrote of these documents in an identical run, in blocks; None
        when it must render them."""
        spool = self._replays.get(name)
        return spool.blocks() if spool is not None else None

    def record_to(self, name: str, make: Callable[[], Any]) -> None:
        """Have format ``name``'s rendering recorded by what ``make()`` returns (``add(text)``,
        ``done(facts)``): the first rendering only."""
        self._recorders[name] = make

    def recorder(self, name: str) -> Optional[Recording]:
        """Where format ``name`` hands what it writes of each document (None: nowhere); once."""
        make = self._recorders.pop(name, None)
        return Recording(self, make()) if make is not None else None

    def patched(self, patch: Patch) -> DocumentView:
        return DocumentView(self.store, self._positions, (*self._patches, patch))

    def select(self, keep: Callable[[Facts], bool]) -> DocumentView:
        """The documents whose facts ``keep`` accepts."""
        positions = [p for p in self.positions() if keep(self.store.facts[p])]
        return DocumentView(self.store, positions, self._patches)

    def positions(self) -> Sequence[int]:
        return range(len(self.store)) if self._positions is None else self._positions

    def facts(self) -> Iterator[Facts]:
        """Each document's facts (unchanged by patches: path, hash, error, metadata)."""
        facts = self.store.facts
        return (facts[p] for p in self.positions())

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def _finish(self, position: int, doc: DocumentResult) -> DocumentResult:
        for patch in self._patches:
            doc = patch(position, doc)
        return doc

    def __len__(self) -> int:
        return len(self.positions())

    def __iter__(self) -> Iterator[DocumentResult]:
        for position, doc in self.store.documents(self.positions()):
            yield self._finish(position, doc)

    @overload
    def __getitem__(self, item: int) -> DocumentResult: ...

    @overload
    def __getitem__(self, item: slice) -> list[DocumentResult]: ...

    def __getitem__(self, item: Union[int, slice]) -> Union[DocumentResult, list[DocumentResult]]:
        positions = self.positions()
        if isinstance(item, slice):
            return [self._finish(p, doc) for p, doc in self.store.documents(positions[item])]
        position = positions[item]
        return self._finish(position, self.store.document(position))
