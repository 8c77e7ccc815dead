"""``--history PATH``: last year's reports, for pairing across years and comparing narratives.

A history path is a folder, a file or a glob of reports in any format the adapters read — they
are read like the run (same pool or cluster, same result cache, so a history audited before
costs a hash and a look-up) — or a previous run's JSON results (``--format json``), whose
documents carry the signature cross-document rules need: last year's audit is enough, the
reports themselves need not be kept. History documents are only compared with; their own
findings are not reported. A history file that cannot be read is a warning, not an error.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor.crossdoc import Entry, entry_from_json, history_entries

MAX_RESULTS_BYTES = 1 << 30


def is_results_json(path: str) -> bool:
    """A previous run's JSON results (not the report model that the JSON adapter reads)."""
    if not path.lower().endswith(".json") or not Path(path).is_file():
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).decode("utf-8", "replace")
    except OSError:
        return False
    return '"tool"' in head and '"auditor"' in head and '"run_id"' in head


def entries_from_results(path: str) -> tuple[list[Entry], list[str]]:
    """The documents of a previous run's JSON results that kept a signature."""
    try:
        if Path(path).stat().st_size > MAX_RESULTS_BYTES:
            return [], [f"{path}: 结果文件过大，未作为历史报告读取"]
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], [f"{path}: 无法读取为历史审核结果：{exc}"]
    entries, skipped = [], 0
    for document in data.get("documents", []) if isinstance(data, dict) else []:
        try:
            entry = entry_from_json(document) if isinstance(document, dict) else None
        except (KeyError, TypeError, ValueError):
            entry = None
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    notes = []
    if skipped and not entries:
        notes.append(f"{path}: 其中的审核结果没有跨文档比对信息（需用 auditor 本版本以 --format json 输出），"
                     "未能用作历史报告")
    return entries, notes


def load_history(paths: Sequence[str], *, audit: Any, include: Sequence[str] = (),
                 exclude: Sequence[str] = ()) -> tuple[list[Entry], list[str]]:
    """Entries for every history path, and warnings for what could not be used. ``audit(files)``
    audits report files as the run does and returns their ``DocumentResult``s."""
    from auditor.runner import collect_inputs

    entries: list[Entry] = []
    notes: list[str] = []
    files: list[str] = []
    for raw in paths:
        if is_results_json(raw):
            found, problems = entries_from_results(raw)
            entries.extend(found)
            notes.extend(problems)
            continue
        listed = collect_inputs([raw], include=include, exclude=exclude)
        if not listed:
            notes.append(f"{raw}: 没有找到历史报告文件")
        files.extend(listed)
    if files:
        documents = audit(files)
        for doc in documents:
            if doc.error is not None:
                notes.append(f"{doc.path}: 历史报告无法读取：{doc.error}")
        entries.extend(history_entries(documents))
    return entries, notes
