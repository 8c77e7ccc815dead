"""Rule text → syntax tree, with errors a rule author can act on.

The LALR parser is built once per process from ``grammar.lark`` (lazily: a warm on-disk cache
never needs it). Every lark exception is turned into a ``RuleFileError`` pointing at the
offending character, saying in words what was expected.
"""

from __future__ import annotations

import textwrap
from functools import lru_cache
from typing import Any, Optional

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from auditor.dsl import ast
from auditor.dsl.errors import Diagnostic, RuleFileError, diagnostic, did_you_mean
from auditor.resources import package_file

MAX_SOURCE_CHARS = 1_000_000
MAX_NUMBER_DIGITS = 30  # what the evaluator computes with stays far below its magnitude bound
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "/": "/"}

# What each terminal is called in an error message.
TERMINAL_WORDS = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "LONG_STRING": "a string",
    "REGEX": "a regular expression /…/", "RULE_ID": "a rule id (like T3-BALANCE)",
    "COMP_OP": "a comparison (==, !=, <, <=, >, >=)", "ADD_OP": "'+' or '-'", "MUL_OP": "'*' or '/'",
    "$END": "the end of the file",
}
EXPRESSION_START = {"NAME", "NUMBER", "STRING", "LONG_STRING", "REGEX"}
KEYWORDS = ("assert", "identity", "message", "when", "for", "let", "treat", "require", "severity", "version",
            "description", "rule", "include", "pack", "where", "matches", "contains", "implies")
OPERATOR_WORDS = {"'*' or '/'", "'+' or '-'", "'.'", "'??'", "'['", "'and'", "'or'", "'contains'", "'matches'",
                  "'is'", "'in'", "'not'", "'implies'", "a comparison (==, !=, <, <=, >, >=)"}
CLAUSE_WORDS = {"'assert'", "'identity'", "'message'", "'when'", "'for'", "'let'", "'treat'", "'require'", "'severity'",
                "'version'", "'description'", "'rule'", "'include'", "the end of the file", "'where'", "'if'"}


@lru_cache(maxsize=1)
def grammar_text() -> str:
    return package_file("dsl", "grammar.lark").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(grammar_text(), parser="lalr", lexer="contextual", propagate_positions=True,
                start=["start", "expr"], maybe_placeholders=True)


# ---------------------------------------------------------------- public API


def parse(source: str, path: str = "<rules>") -> ast.RuleFile:
    """Parse a whole rule file. Raises ``RuleFileError`` and nothing else on bad input."""
    if len(source) > MAX_SOURCE_CHARS:
        raise RuleFileError([Diagnostic(path, 0, 0, f"rule file is larger than {MAX_SOURCE_CHARS} characters")])
    not_rules = _not_a_rule_file(source, path)
    if not_rules is not None:
        raise not_rules
    tree = _parse_tree(source, path, "start")
    return _build(lambda: _ToAst(source, path).transform(tree), source, path)


RULE_FILE_START = ("pack", "rule", "include")
_BLANK = " \t\f\r\u3000"  # what the grammar ignores between tokens, besides line feeds


def _not_a_rule_file(source: str, path: str) -> Optional[RuleFileError]:
    """An error for text that is not a rule file at all, naming no byte of it: a link in a
    rules folder may point at ``/proc/self/environ`` or a credentials file, and an error
    quoting its first line would print the secret. A rule file begins, after blank lines and
    comments, with ``pack``, ``rule`` or ``include``, and holds no NUL byte."""
    if "\x00" in source:
        at = source.index("\x00")
        line, column = source.count("\n", 0, at) + 1, at - source.rfind("\n", 0, at)
        return RuleFileError([Diagnostic(path, line, column, "not a rule file: it contains a NUL byte (is it a binary "
                                         "file?); its content is not shown")])
    for number, line in enumerate(source.split("\n"), start=1):
        text = line.lstrip(_BLANK)
        if not text or text.startswith("#"):
            continue
        word = _leading_word(text)
        if word in RULE_FILE_START:
            return None
        hint = did_you_mean(word, RULE_FILE_START) if word else ""
        return RuleFileError([Diagnostic(path, number, len(line) - len(text) + 1,
                                         "not a rule file: a rule file begins with 'pack', 'rule' or 'include' "
                                         f"(after comments); its content is not shown{hint}")])
    return None


def _leading_word(text: str) -> str:
    end = 0
    while end < len(text) and end < 20 and (text[end].isascii() and (text[end].isalnum() or text[end] == "_")):
        end += 1
    return text[:end]


def parse_expression(text: str, path: str, source: str, line: int, column: int) -> ast.Expr:
    """Parse an expression found at ``line:column`` of ``source`` (a message placeholder).

    The text is padded so lark's positions are those of the enclosing file.
    """
    padded = "\n" * (line - 1) + " " * (column - 1) + text
    tree = _parse_tree(padded, path, "expr", report_source=source)
    return _build(lambda: _ToAst(source, path).transform(tree), source, path)


# ---------------------------------------------------------------- lark → RuleFileError


def _build(make: Any, source: str, path: str) -> Any:
    try:
        return make()
    except VisitError as exc:
        if isinstance(exc.orig_exc, RuleFileError):
            raise exc.orig_exc from None
        if isinstance(exc.orig_exc, RecursionError):
            raise RuleFileError([Diagnostic(path, 0, 0, "expression nested too deeply")]) from None
        raise
    except RecursionError:
        raise RuleFileError([Diagnostic(path, 0, 0, "expression nested too deeply")]) from None


def _parse_tree(text: str, path: str, start: str, report_source: Optional[str] = None) -> Tree:
    source = text if report_source is None else report_source
    try:
        tree = _lark().parse(text, start=start)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, source, path) from None
    except RecursionError:
        raise RuleFileError([Diagnostic(path, 0, 0, "expression nested too deeply")]) from None
    deep = _too_deep(tree, ast.MAX_NESTING + TREE_LEVELS_ABOVE_EXPRESSIONS)
    if deep is not None:
        pos = _pos(deep)
        raise RuleFileError.at(path, source, pos.line, pos.column,
                               f"expression nested more than {ast.MAX_NESTING} levels deep: split it with 'let'")
    return tree


# start → rule → clause: the levels of lark's tree above a clause's expression.
TREE_LEVELS_ABOVE_EXPRESSIONS = 3
NOT_EXPRESSIONS = {"start", "pack_header", "pack_version", "pack_description", "include", "rule", "severity",
                   "version", "description", "guard", "loop", "let", "treat", "require", "assertion", "identity",
                   "message"}


def _too_deep(tree: Tree, limit: int) -> Optional[Tree]:
    """The outermost expression holding a node deeper than ``limit`` (10,000 ``not`` or a
    50,000-term sum), found without recursion: building the syntax tree from lark's tree
    recurses, and would crash on these."""
    stack: list[tuple[Tree, int, Optional[Tree]]] = [(tree, 1, None)]
    while stack:
        node, depth, outermost = stack.pop()
        if outermost is None and node.data not in NOT_EXPRESSIONS:
            outermost = node
        if depth > limit:
            return outermost or node
        stack.extend((child, depth + 1, outermost) for child in node.children if isinstance(child, Tree))
    return None


def _syntax_error(exc: UnexpectedInput, text: str, source: str, path: str) -> RuleFileError:
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        line, column = exc.line, exc.column
        if char == '"':
            message = "unclosed string: a string must end with '\"' on the same line"
        elif char == "/" and _expects(exc, "REGEX"):
            message = "unclosed regular expression: it must end with '/' on the same line"
        elif char == "=" and text[exc.pos_in_stream: exc.pos_in_stream + 2] != "==":
            message = "unexpected '=': use '==' to compare (a single '=' only appears in 'let')"
        else:
            message = f"unexpected character {char!r}" + _expected_words(exc.allowed or set())
        return RuleFileError.at(path, source, line, column, message)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = set(exc.accepts or exc.expected or ())
        if token.type == "$END":
            return _at_end(path, source, "unexpected end of file" + _expected_words(expected))
        width = max(len(token.value), 1)
        hint = _hint(token, expected)
        return RuleFileError.at(path, source, token.line, token.column,
                                f"unexpected {_describe(token)}" + _expected_words(expected) + hint, width)
    if isinstance(exc, UnexpectedEOF):
        return _at_end(path, source, "unexpected end of file" + _expected_words(set(exc.expected)))
    return RuleFileError.at(path, source, getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1,
                            "syntax error")


def _at_end(path: str, source: str, message: str) -> RuleFileError:
    """lark gives no useful position at end of input: point at the last character written."""
    stripped = source.rstrip()
    if not stripped:
        return RuleFileError.at(path, source, 1, 1, message)
    line = stripped.count("\n") + 1
    column = len(stripped) - (stripped.rfind("\n") + 1)
    return RuleFileError.at(path, source, line, column, message)


def _expects(exc: UnexpectedCharacters, terminal: str) -> bool:
    return terminal in (exc.allowed or ())


def _describe(token: Token) -> str:
    if token.type in ("STRING", "LONG_STRING"):
        return f"string {token.value}"
    if token.type == "NUMBER":
        return f"number {token.value}"
    if token.type == "NAME":
        return f"name '{token.value}'"
    return f"'{token.value}'"


def _terminal_word(name: str) -> str:
    if name in TERMINAL_WORDS:
        return TERMINAL_WORDS[name]
    try:
        pattern = _lark().get_terminal(name).pattern
    except KeyError:
        return name.lower()
    return f"'{pattern.value}'" if pattern.type == "str" else name.lower()


def _expected_words(expected: set[str]) -> str:
    if not expected:
        return ""
    names = set(expected)
    words: list[str] = []
    if names | {"LONG_STRING", "REGEX"} >= EXPRESSION_START and {"NAME", "NUMBER", "STRING"} <= names:
        words.append("an expression")
        names -= EXPRESSION_START | {"LPAR", "LSQB", "ADD_OP", "NOT", "IF", "TRUE", "FALSE"}
    found = {_terminal_word(n) for n in names}
    operators = found & OPERATOR_WORDS
    if len(operators) >= 3:
        found = (found - operators) | {"an operator"}
    clauses = found & CLAUSE_WORDS
    if len(clauses) >= 3:
        found = (found - clauses) | {"the next clause (assert, message, let…)"}
    words += sorted(found)
    if len(words) > 8:
        words = [*words[:8], "…"]
    joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    return f"; expected {joined}"


def _hint(token: Token, expected: set[str]) -> str:
    if "RULE_ID" in expected and token.type == "NAME":
        return " (rule ids are upper-case words joined by '-')"
    if token.value == "=":
        return " (use '==' to compare; a single '=' only appears in 'let')"
    if token.type == "NAME" and token.value in ("error", "warning", "info"):
        return " (a severity goes after the keyword 'severity')"
    if token.type == "NAME":
        return did_you_mean(token.value, KEYWORDS)
    return ""


# ---------------------------------------------------------------- tree → ast


def _pos(item: Any) -> ast.Pos:
    if isinstance(item, Token):
        return ast.Pos(item.line or 1, item.column or 1, item.end_line or item.line or 1,
                       item.end_column or item.column or 1)
    meta = item.meta if isinstance(item, Tree) else item
    if getattr(meta, "empty", True):
        return ast.NOWHERE
    return ast.Pos(meta.line, meta.column, meta.end_line, meta.end_column)


def node_pos(node: Any) -> ast.Pos:
    return node.pos if hasattr(node, "pos") else _pos(node)


def _span(first: Any, last: Any) -> ast.Pos:
    a, b = node_pos(first), node_pos(last)
    return ast.Pos(a.line, a.column, b.end_line, b.end_column)


@v_args(meta=True)
class _ToAst(Transformer):
    """Builds ``auditor.dsl.ast`` nodes; validates literals (escapes, numbers, templates)."""

    def __init__(self, source: str, path: str):
        super().__init__()
        self.source = source
        self.path = path
        # String node id -> (node, token, quote length): a message is re-read as a template.
        self._tokens: dict[int, tuple[ast.String, Token, int]] = {}

    def _error(self, pos: ast.Pos, message: str, width: int = 1) -> RuleFileError:
        return RuleFileError([diagnostic(self.path, self.source, pos.line, pos.column, message, width)])

    # -- file
    def start(self, meta: Any, children: list) -> ast.RuleFile:
        header = children[0] if children and isinstance(children[0], ast.PackHeader) else None
        items = children[1:] if header else children
        return ast.RuleFile(self.path, header, tuple(i for i in items if isinstance(i, ast.Include)),
                            tuple(i for i in items if isinstance(i, ast.Rule)))

    def pack_header(self, meta: Any, children: list) -> ast.PackHeader:
        name, *options = children
        version, description = 1, ""
        for kind, value in options:
            if kind == "version":
                version = value
            else:
                description = value
        return ast.PackHeader(name.value, version, description, _pos(meta))

    def pack_version(self, meta: Any, children: list) -> tuple[str, int]:
        return ("version", self._integer(children[0]))

    def pack_description(self, meta: Any, children: list) -> tuple[str, str]:
        return ("description", children[0].value)

    def include(self, meta: Any, children: list) -> ast.Include:
        return ast.Include(children[0].value, _pos(meta))

    def rule(self, meta: Any, children: list) -> ast.Rule:
        rule_id, title, *clauses = children
        text = self.source[meta.start_pos: meta.end_pos] if not meta.empty else ""
        return ast.Rule(str(rule_id), title.value, tuple(clauses), _pos(meta), _pos(rule_id), text)

    # -- clauses
    def severity(self, meta: Any, children: list) -> ast.SeverityClause:
        level, condition = children
        return ast.SeverityClause(str(level), condition, _pos(meta), _pos(level))

    def version(self, meta: Any, children: list) -> ast.VersionClause:
        return ast.VersionClause(self._integer(children[0]), _pos(meta))

    def description(self, meta: Any, children: list) -> ast.DescriptionClause:
        return ast.DescriptionClause(children[0].value, _pos(meta))

    def guard(self, meta: Any, children: list) -> ast.Guard:
        return ast.Guard(children[0], _pos(meta))

    def loop(self, meta: Any, children: list) -> ast.Loop:
        var, iterable, condition = children
        return ast.Loop(str(var), iterable, condition, _pos(meta), _pos(var))

    def let(self, meta: Any, children: list) -> ast.Let:
        name, value = children
        return ast.Let(str(name), value, _pos(meta), _pos(name))

    def treat(self, meta: Any, children: list) -> ast.Treat:
        what, value = children
        return ast.Treat(str(what), str(value), _pos(meta), _pos(what), _pos(value))

    def require(self, meta: Any, children: list) -> ast.Require:
        condition, reason = children
        return ast.Require(condition, reason.value if reason is not None else "", _pos(meta))

    def assertion(self, meta: Any, children: list) -> ast.Assertion:
        return ast.Assertion(children[0], _pos(meta))

    def identity(self, meta: Any, children: list) -> ast.IdentityClause:
        return ast.IdentityClause(children[0], _pos(meta))

    def message(self, meta: Any, children: list) -> ast.MessageClause:
        text, condition = children
        return ast.MessageClause(self._template(text), condition, _pos(meta))

    # -- literals
    def string(self, meta: Any, children: list) -> ast.String:
        token: Token = children[0]
        if token.type == "LONG_STRING":
            body = textwrap.dedent(token.value[3:-3]).strip("\n")
            node = ast.String(_unbrace(self._unescape(body, token, 3)), _pos(token))
            self._tokens[id(node)] = (node, token, 3)
        else:
            node = ast.String(_unbrace(self._unescape(token.value[1:-1], token, 1)), _pos(token))
            self._tokens[id(node)] = (node, token, 1)
        return node

    def regex(self, meta: Any, children: list) -> ast.Regex:
        token: Token = children[0]
        body, _, flags = token.value[1:].rpartition("/")
        return ast.Regex(body.replace("\\/", "/"), flags, _pos(token))

    def number(self, meta: Any, children: list) -> ast.Number:
        token: Token = children[0]
        text = str(token)
        if any(len(part) > MAX_NUMBER_DIGITS for part in text.split(".", 1)):
            raise self._error(_pos(token), f"number has more than {MAX_NUMBER_DIGITS} digits before or after "
                              "the point", len(text))
        if "." in text:
            return ast.Number(float(text), len(text.split(".", 1)[1]), _pos(token))
        return ast.Number(int(text), 0, _pos(token))

    def true(self, meta: Any, children: list) -> ast.Bool:
        return ast.Bool(True, _pos(meta))

    def false(self, meta: Any, children: list) -> ast.Bool:
        return ast.Bool(False, _pos(meta))

    def name(self, meta: Any, children: list) -> ast.Name:
        return ast.Name(str(children[0]), _pos(children[0]))

    def list(self, meta: Any, children: list) -> ast.ListExpr:
        return ast.ListExpr(tuple(c for c in children if c is not None), _pos(meta))

    # -- expressions
    def if_expr(self, meta: Any, children: list) -> ast.IfExpr:
        condition, then, otherwise = children
        return ast.IfExpr(condition, then, otherwise, _pos(meta))

    def _binary(self, op: str, children: list, op_token: Any = None) -> ast.Binary:
        left, right = children[0], children[-1]
        op_pos = _pos(op_token) if op_token is not None else node_pos(left)
        return ast.Binary(op, left, right, _span(left, right), op_pos)

    def implies(self, meta: Any, children: list) -> ast.Binary:
        return self._binary("implies", children)

    def or_(self, meta: Any, children: list) -> ast.Binary:
        return self._binary("or", children)

    def and_(self, meta: Any, children: list) -> ast.Binary:
        return self._binary("and", children)

    def not_(self, meta: Any, children: list) -> ast.Unary:
        return ast.Unary("not", children[0], _pos(meta))

    def compare(self, meta: Any, children: list) -> ast.Binary:
        return self._binary(str(children[1]), children, children[1])

    def binary(self, meta: Any, children: list) -> ast.Binary:
        return self._binary(str(children[1]), children, children[1])

    def in_(self, meta: Any, children: list) -> ast.Binary:
        return self._binary("in", children)

    def not_in(self, meta: Any, children: list) -> ast.Binary:
        return self._binary("not in", children)

    def contains(self, meta: Any, children: list) -> ast.Binary:
        return self._binary("contains", children)

    def coalesce(self, meta: Any, children: list) -> ast.Binary:
        return self._binary("??", children)

    def is_(self, meta: Any, children: list) -> ast.Is:
        operand, test = children
        return ast.Is(operand, str(test), False, _pos(meta), _pos(test))

    def is_not(self, meta: Any, children: list) -> ast.Is:
        operand, test = children
        return ast.Is(operand, str(test), True, _pos(meta), _pos(test))

    def matches(self, meta: Any, children: list) -> ast.Matches:
        operand, regex = children
        return ast.Matches(operand, regex, _pos(meta))

    def neg(self, meta: Any, children: list) -> ast.Unary:
        sign, operand = children
        return ast.Unary(str(sign), operand, _pos(meta))

    def attr(self, meta: Any, children: list) -> ast.Attr:
        obj, name = children
        return ast.Attr(obj, str(name), _pos(meta), _pos(name))

    def star(self, meta: Any, children: list) -> ast.Star:
        obj, op = children
        if str(op) != "*":
            raise self._error(_pos(op), "expected a name or '*' after '.'")
        return ast.Star(obj, _pos(meta))

    def index(self, meta: Any, children: list) -> ast.Index:
        obj, index = children
        return ast.Index(obj, index, _pos(meta))

    def call(self, meta: Any, children: list) -> ast.Call:
        func, *args = children
        return ast.Call(str(func), tuple(a for a in args if a is not None), _pos(meta))

    def generator(self, meta: Any, children: list) -> ast.Generator:
        func, element, var, iterable, condition = children
        return ast.Generator(str(func), element, str(var), iterable,
                             condition,
                             _pos(meta), _pos(var))

    # -- helpers
    def _integer(self, token: Token) -> int:
        if "." in str(token):
            raise self._error(_pos(token), f"expected a whole number, got {token}", len(token))
        return int(token)

    def _unescape(self, body: str, token: Token, offset: int) -> str:
        out: list[str] = []
        i = 0
        while i < len(body):
            ch = body[i]
            if ch != "\\":
                out.append(ch)
                i += 1
                continue
            nxt = body[i + 1: i + 2]
            if nxt in ESCAPES:
                out.append(ESCAPES[nxt])
                i += 2
            elif nxt == "u" and _is_hex(body[i + 2: i + 6]):
                out.append(chr(int(body[i + 2: i + 6], 16)))
                i += 6
            elif nxt in ("{", "}"):
                out.append("\\" + nxt)  # kept for the template splitter
                i += 2
            else:
                line, column = _offset_position(token, offset + i)
                raise RuleFileError.at(self.path, self.source, line, column,
                                       f"unknown escape '\\{nxt}' in string (known: \\\" \\\\ \\n \\t \\uXXXX \\{{ \\}})", 2)
        return "".join(out)

    def _template(self, raw: ast.String) -> ast.Template:
        """Split a message into literal text and ``{expression}`` placeholders."""
        _, token, offset = self._tokens[id(raw)]
        text = token.value[offset:-offset]
        parts: list[Any] = []
        literal: list[str] = []
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "\\" and i + 1 < len(text):
                literal.append(text[i: i + 2])
                i += 2
                continue
            if ch == "{":
                end = text.find("}", i)
                if end < 0:
                    line, column = _offset_position(token, offset + i)
                    raise RuleFileError.at(self.path, self.source, line, column,
                                           "unclosed '{' in message: placeholders are written {expression}, "
                                           "a literal brace as \\{")
                inner = text[i + 1: end]
                line, column = _offset_position(token, offset + i + 1)
                if not inner.strip():
                    raise RuleFileError.at(self.path, self.source, line, column - 1, "empty placeholder '{}' in message", 2)
                if "\\" in inner or '"' in inner:
                    raise RuleFileError.at(self.path, self.source, line, column,
                                           "a placeholder cannot hold quotes or escapes: compute the text with 'let'")
                if literal:
                    parts.append(_unbrace(self._unescape("".join(literal), token, offset)))
                    literal = []
                parts.append(parse_expression(inner, self.path, self.source, line, column))
                i = end + 1
                continue
            if ch == "}":
                line, column = _offset_position(token, offset + i)
                raise RuleFileError.at(self.path, self.source, line, column,
                                       "unmatched '}' in message (write \\} for a literal brace)")
            literal.append(ch)
            i += 1
        if literal:
            parts.append(_unbrace(self._unescape("".join(literal), token, offset)))
        return ast.Template(tuple(parts), raw.pos)


def _unbrace(text: str) -> str:
    return text.replace("\\{", "{").replace("\\}", "}")


def _is_hex(text: str) -> bool:
    return len(text) == 4 and all(c in "0123456789abcdefABCDEF" for c in text)


def _offset_position(token: Token, index: int) -> tuple[int, int]:
    """Line and column of the character ``index`` characters into ``token``."""
    before = token.value[:index]
    newlines = before.count("\n")
    if newlines:
        return token.line + newlines, index - before.rfind("\n")
    return token.line, token.column + index
