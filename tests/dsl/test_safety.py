"""Rule text can only compute: no eval/exec, RE2 for every user regex, nothing reaches files."""

from __future__ import annotations

import ast as pyast
from pathlib import Path

import pytest

from auditor.dsl.errors import RuleFileError
from auditor.engine import load_pack

DSL = Path(__file__).resolve().parents[2] / "auditor" / "dsl"


def _calls_and_imports(path: Path) -> tuple[set[str], set[str]]:
    tree = pyast.parse(path.read_text(encoding="utf-8"))
    calls = {n.func.id for n in pyast.walk(tree) if isinstance(n, pyast.Call) and isinstance(n.func, pyast.Name)}
    imports = {a.name for n in pyast.walk(tree) if isinstance(n, pyast.Import) for a in n.names}
    imports |= {n.module or "" for n in pyast.walk(tree) if isinstance(n, pyast.ImportFrom)}
    return calls, imports


@pytest.mark.parametrize("path", sorted(DSL.glob("*.py")), ids=lambda p: p.name)
def test_no_eval_exec_or_python_regex(path: Path) -> None:
    calls, imports = _calls_and_imports(path)
    assert not calls & {"eval", "exec", "compile", "__import__", "open", "getattr"} - _ALLOWED.get(path.name, set())
    assert not imports & {"re", "os", "subprocess", "socket", "importlib", "pickle"}


# getattr: the compiler dispatches to its own _Number/_Binary… methods by node class name and the
# parser reads lark's exception objects; neither ever takes a name from rule text.
_ALLOWED = {"compiler.py": {"getattr"}, "parser.py": {"getattr"}}


@pytest.mark.parametrize("source", [
    'assert report.__class__ == "x"',
    'assert report.text.__len__ == 1',
    'assert open("/etc/passwd") == "x"',
    'assert __import__("os") == 1',
    'assert eval("1") == 1',
])
def test_python_objects_are_out_of_reach(source: str) -> None:
    with pytest.raises(RuleFileError):
        load_pack("evil.rules", f'rule E-1 "t" severity error\n  {source}\n  message "m"\n')


def test_include_cannot_leave_the_rule_folder(tmp_path: Path) -> None:
    from auditor.engine import load_rules

    (tmp_path / "evil.rules").write_text('include "/etc/passwd"\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match="include must name a file in this folder"):
        load_rules([tmp_path / "evil.rules"], standard=False)
