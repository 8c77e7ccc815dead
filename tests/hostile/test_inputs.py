"""The hostile-input matrix (issue 13): one batch over every hostile report and name in
``builders.INPUTS``, in a child process under a time and memory cap. The batch must finish,
every file must be in every output (read, or an error entry saying why), and every output must
stay valid for the tool that reads it."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import html5lib
import jsonschema
import pytest
from lxml import etree

from auditor.resources import load_schema
from tests.factories import EXTERNAL
from tests.hostile.builders import INPUTS, PASSWD_MARK, write_inputs
from tests.reporters.test_injection import DANGEROUS, github_commands

FORMATS = {"json": "out.json", "junit": "out.xml", "sarif": "out.sarif", "html": "out.html", "csv": "out.csv",
           "github": "out.github.txt", "console": "out.console.txt"}
# A file name that is not UTF-8 (GBK 国家): read under its real name, shown escaped (item 2).
GBK_NAME = b"\xb9\xfa\xbc\xd2.txt"


def _cap_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (3 * 1024 * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the batch once; the tests below read what it left."""
    folder = tmp_path_factory.mktemp("hostile")
    inputs = folder / "in"
    inputs.mkdir()
    write_inputs(inputs)
    with open(os.fsencode(inputs) + b"/" + GBK_NAME, "wb") as handle:
        handle.write((inputs / "gb18030.txt").read_bytes())
    command = [sys.executable, "-m", "auditor", "audit", str(inputs), "--jobs", "2", "--timeout", "60"]
    for fmt, name in FORMATS.items():
        command += ["--format", fmt, "--output", str(folder / name)]
    # English reasons: the expected words below are the adapters' own (tests/test_i18n.py checks
    # that every reason has its Chinese translation).
    env = {**os.environ, "AUDITOR_CACHE_DIR": "off", "NO_COLOR": "1", "AUDITOR_LANG": "en"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env, preexec_fn=_cap_memory,
                          cwd=folder)
    outputs = {fmt: (folder / name).read_bytes() for fmt, name in FORMATS.items() if (folder / name).exists()}
    results = json.loads(outputs["json"]) if "json" in outputs else {"documents": []}
    by_name = {os.path.basename(d["source"]): d for d in results["documents"]}
    return {"done": done, "outputs": outputs, "results": results, "by_name": by_name}


def test_the_batch_finishes_with_every_output(batch: dict):
    done = batch["done"]
    assert done.returncode == 1, done.stderr[-3000:]  # unreadable inputs: exit 1, not a crash
    assert "Traceback" not in done.stderr
    assert set(batch["outputs"]) == set(FORMATS)
    expected = len(INPUTS) + 1
    assert len(batch["results"]["documents"]) >= expected


@pytest.mark.parametrize("name", list(INPUTS), ids=[repr(n) for n in INPUTS])
def test_each_hostile_file_is_read_or_an_error_entry(batch: dict, name: str):
    _, expected, words = INPUTS[name]
    entry = batch["by_name"].get(name)
    assert entry is not None, f"{name!r} is missing from the results"
    error = entry.get("error")
    if expected == "error":
        assert error, f"{name!r} was read"
    elif expected == "read":
        assert not error, error
    assert words in (error or ""), error
    assert "internal error" not in (error or "") and "Traceback" not in (error or "")


def test_a_file_name_that_is_not_utf8_is_shown_escaped(batch: dict):
    assert "\\xb9\\xfa\\xbc\\xd2.txt" in batch["by_name"]


def test_json_output_is_strict_json_valid_against_its_schema(batch: dict):
    def refuse(constant: str) -> None:
        raise ValueError(f"non-standard JSON constant {constant}")

    results = json.loads(batch["outputs"]["json"], parse_constant=refuse)
    jsonschema.validate(results, load_schema("results.schema.json"))


def test_junit_output_validates_against_the_xsd(batch: dict):
    schema = etree.XMLSchema(etree.parse(str(EXTERNAL / "junit.xsd")))
    document = etree.fromstring(batch["outputs"]["junit"])
    assert schema.validate(document), schema.error_log
    names = {case.get("classname") for case in document.iter("testcase")}
    assert len(document.findall("testsuite")) == len(batch["results"]["documents"]) and names


def test_sarif_output_validates_against_the_schema(batch: dict):
    schema = json.loads((EXTERNAL / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    log = json.loads(batch["outputs"]["sarif"])
    jsonschema.validators.validator_for(schema)(schema).validate(log)


def test_html_output_keeps_its_scripts(batch: dict):
    """The data blocks and the page's code parse as the renderer wrote them: a hostile name
    neither opens a script nor swallows the code's end tag."""
    page = batch["outputs"]["html"]
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    scripts = tree.findall(".//script")
    assert len(scripts) == page.count(b"<script") >= 2
    assert [s.get("type") for s in scripts[:-1]] == ["application/json"] * (len(scripts) - 1)
    assert scripts[-1].get("type") is None and "function" in scripts[-1].text
    for data in scripts[:-1]:
        json.loads(data.text)
    assert len(tree.findall(".//article")) == len(batch["results"]["documents"])


def test_csv_output_has_every_document_and_no_formula(batch: dict):
    rows = list(csv.reader(io.StringIO(batch["outputs"]["csv"].decode("utf-8-sig"))))
    sources = {row[0] for row in rows[1:]}
    assert sources == {d["source"] for d in batch["results"]["documents"]}
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_github_output_runs_no_command_a_file_brought(batch: dict):
    commands = github_commands(batch["outputs"]["github"].decode("utf-8"))
    titles = [props.get("title", "") for name, props, _ in commands if name in ("error", "warning", "notice")]
    assert "X" not in titles and all(t.startswith("auditor") or t == "INPUT-ERROR" or " · " in t for t in titles)


def test_console_output_carries_no_control_sequence(batch: dict):
    text = batch["outputs"]["console"].decode("utf-8") + batch["done"].stderr
    assert not set(text) & DANGEROUS


def test_no_output_holds_a_file_an_entity_pointed_at(batch: dict):
    for fmt, data in batch["outputs"].items():
        assert PASSWD_MARK.encode() not in data, fmt


def test_huge_numbers_are_findings_not_infinity(batch: dict):
    for name in ("huge_number.txt", "five_thousand_digits.txt"):
        findings = batch["by_name"][name]["findings"]
        assert any(f["rule"] == "CELL-NONNUMERIC" for f in findings), name
