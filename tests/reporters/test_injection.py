"""Outside text cannot steer the tools that read auditor's outputs (issue 13, item 8): GitHub
workflow commands, spreadsheet formulas, terminal control sequences, the HTML report's script."""

from __future__ import annotations

import csv
import io
import json

import html5lib
import pytest

from auditor.model import DocumentResult, Finding, Span
from auditor.reporters import escape
from auditor.reporters.console import render_console, summary_text
from auditor.reporters.csv import render_csv
from auditor.reporters.github import render_github
from auditor.reporters.html import render_html
from tests.factories import make_report, make_run, outcomes_for, sha

WORKFLOW_NAME = "::error title=X::y.txt"
LEGACY_NAME = "##[error]legacy.txt"
TERMINAL_NAME = "\x1b]0;pwned\x07evil\r.txt"
SCRIPT_NAME = "<!--<script>.txt"


def hostile_run():
    """Documents whose names, agency and findings hold what each output format fears."""
    finding = Finding("META-PERIOD", "error", "未写明统计期限\x1b[2J\x9b31m（\u202etxt.exe）", span=Span(line=3))
    return make_run([
        DocumentResult(WORKFLOW_NAME, 0, make_report(WORKFLOW_NAME), outcomes_for([]), sha256=sha("a")),
        DocumentResult(LEGACY_NAME, error="file is empty", sha256=sha("")),
        DocumentResult(TERMINAL_NAME, 0, make_report(TERMINAL_NAME, "=HYPERLINK(\"http://x\",\"机关\")\x1b[31m"),
                       outcomes_for([finding]), sha256=sha("b")),
        DocumentResult(SCRIPT_NAME, 0, make_report(SCRIPT_NAME, "@SUM(1+1)\u2028</script>"), outcomes_for([]),
                       sha256=sha("c")),
        DocumentResult("-2+3.txt", error="+cmd|' /C calc'!A0", sha256=sha("d")),
    ])


# ---------------------------------------------------------------- GitHub Actions


def github_commands(output: str) -> list[tuple[str, dict[str, str], str]]:
    """The commands GitHub's runner would run for ``output``, by its rules: a line whose start
    (after spaces) is ``::name props::data``, or that holds ``##[name props]data`` anywhere;
    none between ``::stop-commands::TOKEN`` and ``::TOKEN::``."""
    known = {"error", "warning", "notice", "debug", "group", "endgroup", "stop-commands", "add-mask", "set-output",
             "save-state", "add-path", "echo"}
    commands = []
    stopped = None
    for line in output.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        parsed = None
        text = line.lstrip()
        if text.startswith("::") and text.find("::", 2) > 0:
            end = text.find("::", 2)
            info, data = text[2:end], text[end + 2:]
            name, _, props = info.partition(" ")
            parsed = (name, dict(p.split("=", 1) for p in props.split(",") if "=" in p), data)
        elif "##[" in line and "]" in line[line.index("##["):]:
            start = line.index("##[") + 3
            info, data = line[start:line.index("]", start)], line[line.index("]", start) + 1:]
            name, _, props = info.partition(" ")
            parsed = (name, dict(p.split("=", 1) for p in props.split(";") if "=" in p), data)
        if parsed is None:
            continue
        if stopped is not None:
            if parsed[0] == stopped:
                stopped = None
            continue
        if parsed[0] == "stop-commands":
            stopped = parsed[2]
            continue
        if parsed[0] in known:
            commands.append(parsed)
    return commands


def test_a_file_named_like_a_workflow_command_emits_no_annotation_of_its_own():
    commands = github_commands(render_github(hostile_run()))
    annotations = [c for c in commands if c[0] in ("error", "warning", "notice")]
    titles = [props.get("title", "") for _, props, _ in annotations]
    assert "X" not in titles
    assert all(t == "auditor 汇总" or t == "auditor 豁免" or t == "INPUT-ERROR" or " · " in t for t in titles)
    # One annotation per finding and unreadable file, plus the summary and the stale waiver.
    assert len(annotations) == 1 + 1 + 1 + 2
    assert [c[0] for c in commands if c[0] in ("group", "endgroup")] == ["group", "endgroup"]


def test_workflow_properties_and_messages_are_escaped_by_githubs_rules():
    assert escape.workflow_property("a:b,c%d\r\ne") == "a%3Ab%2Cc%25d%0D%0Ae"
    assert escape.workflow_message("a:b,c%d\r\ne") == "a:b,c%25d%0D%0Ae"
    output = render_github(hostile_run())
    assert f"file={escape.workflow_property(LEGACY_NAME)}," in output
    assert "file=\\x1b]0;pwned\\x07evil%0D.txt," in output
    assert "\x1b" not in output and "\x07" not in output


def test_document_list_is_fenced_so_no_line_in_it_is_a_command():
    lines = render_github(hostile_run()).splitlines()
    start = lines.index("::group::auditor: 5 份文档")
    token = lines[start + 1].removeprefix("::stop-commands::")
    assert lines[start + 1] != token and lines[-2] == f"::{token}::" and lines[-1] == "::endgroup::"
    assert any(line.startswith(WORKFLOW_NAME) for line in lines[start + 2:-2])
    assert not any(token in line for line in lines[start + 2:-2])


# ---------------------------------------------------------------- CSV


def test_csv_cells_that_look_like_formulas_are_written_as_text():
    rows = list(csv.reader(io.StringIO(render_csv(hostile_run()).decode("utf-8-sig"))))[1:]
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=HYPERLINK(\"http://x\",\"机关\")\x1b[31m" in cells
    assert "'-2+3.txt" in cells and "'+cmd|' /C calc'!A0" in cells and "'@SUM(1+1)\u2028</script>" in cells
    assert rows[0][1] == "1"  # numbers stay numbers (the document's number in its file)


def test_spreadsheet_cell_leaves_numbers_and_plain_text_alone():
    assert escape.spreadsheet_cell(-3) == -3
    assert escape.spreadsheet_cell("南宁市") == "南宁市"
    assert escape.spreadsheet_cell("\tx") == "'\tx"


# ---------------------------------------------------------------- terminals

# What a terminal could take as a command: C0 but tab and line feed, DEL, C1, bidi overrides.
DANGEROUS = {chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0),
                              0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069)}


@pytest.mark.parametrize("color", [False, True])
def test_console_passes_no_control_sequence_from_a_report_to_the_terminal(color: bool):
    run = hostile_run()
    text = render_console(run, color=color) + summary_text(run, color=color)
    if color:  # the only escape sequences are auditor's own colours
        for style in ("31;1", "33", "36", "2", "1", "32", "35;1", "0"):
            text = text.replace(f"\x1b[{style}m", "")
    assert not set(text) & DANGEROUS
    assert "\\x1b]0;pwned\\x07evil\\x0d.txt" in text  # the name is still shown, its controls visible
    assert "\\u202etxt.exe" in text


def test_terminal_escapes_controls_visibly_and_keeps_line_feeds_only_when_asked():
    assert escape.terminal("a\x1b[31mb\x9bc\rd\te") == "a\\x1b[31mb\\x9bc\\x0dd\te"
    assert escape.terminal("a\nb") == "a\\x0ab"
    assert escape.terminal("a\nb", lines=True) == "a\nb"
    assert escape.terminal("中文（一）") == "中文（一）"


# ---------------------------------------------------------------- HTML


def test_a_file_named_to_open_a_comment_in_script_data_does_not_break_the_html_report():
    page = render_html(hostile_run())
    tree = html5lib.parse(page, namespaceHTMLElements=False)  # the HTML5 algorithm browsers follow
    scripts = tree.findall(".//script")
    assert len(scripts) == page.count("<script") >= 2
    assert [s.get("type") for s in scripts[:-1]] == ["application/json"] * (len(scripts) - 1)
    record = json.loads(scripts[0].text)
    assert SCRIPT_NAME in [entry["path"] for entry in record["meta"]["inputs"]]
    assert "function apply()" in scripts[-1].text  # the filters' script is a script of its own


def test_script_json_holds_no_angle_bracket_and_parses_to_the_same_value():
    value = {"a": "<!--<script></script>&\u2028\u2029", "b": [1, 2.5, None]}
    text = escape.script_json(value)
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == value


def test_the_filters_still_run_in_a_browser_with_the_hostile_names(tmp_path):
    from tests.reporters.test_html import CHROMIUM, _dump_dom

    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install chromium)")
    dom = _dump_dom(tmp_path, "", render_html(hostile_run()))
    assert 'data-ready="1"' in dom, "the filters' script did not run"
