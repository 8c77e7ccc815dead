"""The JSON codec behind the caches and worker results: exact round trips, nothing else loads."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Optional

import pytest

from auditor import model
from auditor.codec import Codec, CodecError, dataclasses_of
from tests.factories import balance_finding, blank_finding, make_report, outcomes_for


def model_codec(**kw: Any) -> Codec:
    return Codec(dataclasses_of(model), **kw)


def test_a_document_result_round_trips_exactly():
    cells = {"t3.new.natural": model.Cell("t3.new.natural", "3", 3, "number", model.Span(line=40), unit="件")}
    report = dataclasses.replace(make_report("a.txt", cells=cells), notes=("未识别的行",),
                                 contact=model.Contact(phones=("0771-1234567",)))
    doc = model.DocumentResult("a.txt", report=report, outcomes=outcomes_for([balance_finding(), blank_finding()]),
                               sha256="ab" * 32)
    codec = model_codec()
    assert codec.loads(codec.dumps(doc)) == doc
    assert codec.loads(codec.dumps(doc)).report.cells["t3.new.natural"].span.line == 40


def test_fields_at_their_defaults_are_left_out_and_come_back():
    codec = model_codec()
    assert codec.encode(model.Span()) == {"@": "Span"}
    assert codec.loads('{"@": "Span", "line": 3}') == model.Span(line=3)


@dataclasses.dataclass(frozen=True)
class Odd:
    items: list
    table: dict
    number: float
    maybe: Optional[tuple] = None


def test_lists_dicts_with_odd_keys_and_non_finite_floats_survive():
    codec = Codec([Odd])
    value = Odd(items=[1, (2, 3), "\x00not a reference"], table={1: "x", "@k": ("y",)}, number=math.inf,
                maybe=((1,), ()))
    back = codec.loads(codec.dumps(value))
    assert back == value and type(back.items) is not tuple and type(back.items[1]) is tuple
    assert math.isnan(codec.loads(codec.dumps(Odd([], {}, math.nan))).number)


@pytest.mark.parametrize("text", [
    "not json",
    '{"@": "os.system", "command": "touch pwned"}',  # only registered classes are built
    '{"@": "Span", "line": 1, "evil": 2}',  # unknown field
    '{"@": "CellRef", "id": "x"}',  # required field missing
    '{"@": "float", "v": "1.5"}',
    '[' * 100000,  # deep nesting
])
def test_anything_else_is_a_codec_error(text):
    with pytest.raises(CodecError):
        model_codec().loads(text)


def test_interned_classes_share_one_object_per_value():
    codec = model_codec(intern=(model.RuleInfo, model.RuleOutcome))
    outcomes = outcomes_for([balance_finding()])
    first, second = (codec.loads(codec.dumps(outcomes)) for _ in range(2))
    passing = [i for i, o in enumerate(first) if o.status == "pass"]
    assert passing and all(first[i] is second[i] for i in passing)
    failing = next(i for i, o in enumerate(first) if o.findings)
    assert first[failing] is not second[failing] and first[failing].rule is second[failing].rule


def test_unknown_types_are_refused_when_encoding():
    with pytest.raises(CodecError):
        model_codec().encode({1, 2})


def test_shared_rules_travel_by_id_and_an_unknown_id_is_an_error():
    from tests.factories import RULES

    sender, receiver = model_codec(refs={model.RuleInfo: "id"}), model_codec(refs={model.RuleInfo: "id"})
    for codec in (sender, receiver):
        codec.set_refs(model.RuleInfo, RULES.values())
    outcomes = outcomes_for([balance_finding()])
    text = sender.dumps(outcomes)
    assert '"\\u0000RuleInfo:T3-BALANCE"' in text and "表三收支平衡" not in text
    assert receiver.loads(text) == outcomes
    changed = dataclasses.replace(RULES["T3-BALANCE"], severity="warning")  # not the shared one: sent whole
    assert "表三收支平衡" in sender.dumps(changed) and sender.loads(sender.dumps(changed)) == changed
    with pytest.raises(CodecError, match="unknown reference"):
        model_codec(refs={model.RuleInfo: "id"}).loads(text)
