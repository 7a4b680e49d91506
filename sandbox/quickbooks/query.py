"""The query language subset (quickbooks.md A10):

    SELECT * | count(*) FROM <Entity> [WHERE <cond> [AND <cond>]...] [ORDERBY <field> [ASC|DESC]]
    [STARTPOSITION n] [MAXRESULTS m]

`<cond>` is `field op value` with `=, !=, <, >, <=, >=, LIKE ('%')` or `field IN (v, ...)`;
values are single-quoted with backslash-escaped quotes (`'Adam\\'s'`), numbers or true/false.
No OR. An unescaped quote inside a value is a 4000 parse error; STARTPOSITION < 1 is 4001.
Name-list entities hide inactive records unless the WHERE names `Active`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import QboFault

NAME_LISTS = {"Account", "Vendor", "Class", "Item"}
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<op><=|>=|!=|<>|=|<|>|\(|\)|,|\*)|(?P<word>[A-Za-z_][\w.]*)|(?P<num>-?\d+(?:\.\d+)?))",
)


@dataclass
class Query:
    entity: str
    count: bool = False
    conditions: list[tuple[str, str, Any]] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int = 1
    max_results: int | None = None


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip().rstrip(";")
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QboFault("4000", f'QueryParserError: Encountered " {text[pos : pos + 10]!r} " at line 1, column {pos + 1}')
        pos = match.end()
        if match.group("str") is not None:
            raw = match.group("str")[1:-1]
            out.append(("value", re.sub(r"\\(.)", r"\1", raw)))
        elif match.group("num") is not None:
            num = match.group("num")
            out.append(("value", float(num) if "." in num else int(num)))
        elif match.group("op") is not None:
            out.append(("op", match.group("op")))
        else:
            word = match.group("word")
            lowered = word.lower()
            if lowered in ("true", "false"):
                out.append(("value", lowered == "true"))
            else:
                out.append(("word", word))
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0
        self.text = text

    def fail(self, what: str) -> QboFault:
        near = self.tokens[self.i][1] if self.i < len(self.tokens) else "<EOF>"
        return QboFault("4000", f'QueryParserError: Encountered " {near} " ({what}) in: {self.text[:200]}')

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        if token is None:
            raise self.fail("unexpected end")
        self.i += 1
        return token

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token and token[0] == "word" and token[1].upper() in words:
            self.i += 1
            return str(token[1].upper())
        return None

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise self.fail(f"expected {word}")

    def expect_op(self, op: str) -> None:
        token = self.take()
        if token != ("op", op):
            self.i -= 1
            raise self.fail(f"expected {op}")

    def value(self) -> Any:
        kind, value = self.take()
        if kind != "value":
            self.i -= 1
            raise self.fail("expected a value")
        return value

    def integer(self, name: str) -> int:
        value = self.value()
        if not isinstance(value, int):
            raise QboFault("4001", f"QueryValidationError: {name} must be an integer")
        return value

    def parse(self) -> Query:
        self.expect_keyword("SELECT")
        count = False
        if self.keyword("COUNT"):
            self.expect_op("(")
            self.expect_op("*")
            self.expect_op(")")
            count = True
        else:  # `*` or a field list (`*, Sku`): responses carry every field anyway
            while (token := self.peek()) is not None and not (token[0] == "word" and token[1].upper() == "FROM"):
                self.take()
        self.expect_keyword("FROM")
        kind, entity = self.take()
        if kind != "word":
            raise self.fail("expected an entity")
        query = Query(entity=entity, count=count)
        if self.keyword("WHERE"):
            query.conditions.append(self.condition())
            while self.keyword("AND"):
                query.conditions.append(self.condition())
            if self.keyword("OR"):
                raise QboFault("4000", "QueryParserError: OR is not supported")
        if self.keyword("ORDERBY", "ORDER"):
            self.keyword("BY")
            while True:
                kind, name = self.take()
                if kind != "word":
                    raise self.fail("expected a field")
                desc = self.keyword("DESC", "ASC") == "DESC"
                query.order.append((name, desc))
                if self.peek() != ("op", ","):
                    break
                self.take()
        if self.keyword("STARTPOSITION"):
            query.start = self.integer("STARTPOSITION")
            if query.start < 1:
                raise QboFault("4001", f"QueryValidationError: value {query.start} is too small. Min allowed value is 1")
        if self.keyword("MAXRESULTS"):
            query.max_results = self.integer("MAXRESULTS")
            if query.max_results < 1:
                raise QboFault("4001", f"QueryValidationError: value {query.max_results} is too small. Min allowed value is 1")
        if self.peek() is not None:
            raise self.fail("unexpected text")
        return query

    def condition(self) -> tuple[str, str, Any]:
        kind, name = self.take()
        if kind != "word":
            self.i -= 1
            raise self.fail("expected a field")
        if self.keyword("IN"):
            self.expect_op("(")
            values = [self.value()]
            while self.peek() == ("op", ","):
                self.take()
                values.append(self.value())
            self.expect_op(")")
            return name, "IN", values
        if self.keyword("LIKE"):
            return name, "LIKE", self.value()
        kind, op = self.take()
        if kind != "op" or op not in ("=", "!=", "<>", "<", ">", "<=", ">="):
            self.i -= 1
            raise self.fail("expected an operator")
        return name, op, self.value()


def parse(text: str) -> Query:
    return _Parser(text).parse()


def lookup(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        key = next((k for k in value if k.lower() == part.lower()), None)
        value = value.get(key) if key else None
    if isinstance(value, dict) and "value" in value:  # a reference: compare its id
        return value["value"]
    return value


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if actual is None:
        return False
    if isinstance(expected, bool) or isinstance(actual, bool):
        actual, expected = str(actual).lower(), str(expected).lower()
    elif isinstance(expected, (int, float)) or isinstance(actual, (int, float)):
        try:
            actual, expected = float(actual), float(expected)
        except (TypeError, ValueError):
            return False
    else:
        actual, expected = str(actual), str(expected)
    if op == "=":
        return actual == expected
    if op in ("!=", "<>"):
        return actual != expected
    if op == "<":
        return actual < expected
    if op == ">":
        return actual > expected
    if op == "<=":
        return actual <= expected
    return actual >= expected


def matches(record: dict[str, Any], query: Query) -> bool:
    for name, op, expected in query.conditions:
        actual = lookup(record, name)
        if op == "IN":
            if not any(_compare(actual, "=", v) for v in expected):
                return False
        elif op == "LIKE":
            pattern = "^" + ".*".join(re.escape(p) for p in str(expected).split("%")) + "$"
            if actual is None or not re.match(pattern, str(actual), re.IGNORECASE | re.DOTALL):
                return False
        elif not _compare(actual, op, expected):
            return False
    if query.entity in NAME_LISTS and not any(name.lower() == "active" for name, _, _ in query.conditions):
        return record.get("Active", True) is not False
    return True
