"""The record-collection `q=` filter language (netsuite.md §1.4, [NS-FILTER]).

`field OPERATOR value` conditions joined by AND/OR with parentheses, AND binding tighter than
OR; quoted values may hold spaces; `ANY_OF`/`BETWEEN`/`WITHIN` take `[a, b, ...]`. The parse
tree is compiled to a parameterised SQL condition over `sim_record` (indexed columns for
id/externalId/tranId/lastModifiedDate, `json_extract` for the rest; reference fields compare
their `id`). Dates: see `NetSuiteSimConfig.filter_date_formats` (UTC; INFERENCE).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from .errors import NsError

NO_VALUE = {"EMPTY", "EMPTY_NOT"}
TWO_VALUES = {"BETWEEN", "BETWEEN_NOT", "WITHIN", "WITHIN_NOT"}
NUMBER_OPS = {"EQUAL", "GREATER", "GREATER_OR_EQUAL", "LESS", "LESS_OR_EQUAL", "ANY_OF", "BETWEEN"}
STRING_OPS = {"IS", "CONTAIN", "START_WITH", "ENDWITH", "END_WITH"}
DATE_OPS = {"AFTER", "BEFORE", "ON", "ON_OR_AFTER", "ON_OR_BEFORE", "WITHIN"}
BASE_OPS = NUMBER_OPS | STRING_OPS | DATE_OPS | {"EMPTY"}
DATETIME_FIELDS = {"lastModifiedDate", "createdDate"}
DATE_FIELDS = {"tranDate", "startDate", "endDate", "dueDate"}
_COLUMNS = {"id": "id", "externalId": "externalid", "tranId": "tranid", "lastModifiedDate": "lastmodified"}


def _bad(detail: str) -> NsError:
    return NsError(400, "INVALID_PARAMETER", f"Invalid search query. {detail}", query_param="q")


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()[],":
            out.append(("punct", ch))
            i += 1
        elif ch in "\"'":
            j = i + 1
            buf = []
            while j < n and text[j] != ch:
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(text[j])
                j += 1
            if j >= n:
                raise _bad("Unterminated quoted value.")
            out.append(("string", "".join(buf)))
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in "()[],\"'":
                j += 1
            out.append(("word", text[i:j]))
            i = j
    return out


class _Parser:
    def __init__(self, text: str, fields: set[str]) -> None:
        self.toks = _tokens(text)
        self.pos = 0
        self.fields = {f.lower(): f for f in fields | {"id", "externalId", "lastModifiedDate"}}

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise _bad("Unexpected end of the query.")
        self.pos += 1
        return tok

    def parse(self) -> Any:
        node = self.expr()
        if self.peek() is not None:
            raise _bad(f"Unexpected token '{self.peek()[1]}'.")  # type: ignore[index]
        return node

    def expr(self) -> Any:
        parts = [self.conj()]
        while self._keyword("OR"):
            parts.append(self.conj())
        return ("or", parts) if len(parts) > 1 else parts[0]

    def conj(self) -> Any:
        parts = [self.primary()]
        while self._keyword("AND"):
            parts.append(self.primary())
        return ("and", parts) if len(parts) > 1 else parts[0]

    def _keyword(self, word: str) -> bool:
        tok = self.peek()
        if tok and tok[0] == "word" and tok[1].upper() == word:
            self.pos += 1
            return True
        return False

    def primary(self) -> Any:
        tok = self.take()
        if tok == ("punct", "("):
            node = self.expr()
            if self.take() != ("punct", ")"):
                raise _bad("Missing ')'.")
            return node
        if tok[0] != "word":
            raise _bad(f"A field name is expected, not '{tok[1]}'.")
        fname = self.fields.get(tok[1].lower())
        if fname is None:
            raise _bad(f"Field '{tok[1]}' is not filterable or does not exist.")
        op_tok = self.take()
        op = op_tok[1].upper()
        if op_tok[0] != "word" or op.removesuffix("_NOT") not in BASE_OPS:
            raise _bad(f"Unknown operator '{op_tok[1]}'.")
        values: list[str] = []
        if op not in NO_VALUE:
            if self.peek() == ("punct", "["):
                self.take()
                while True:
                    kind, val = self.take()
                    if kind == "punct":
                        raise _bad(f"Unexpected '{val}' in a value list.")
                    values.append(val)
                    sep = self.take()
                    if sep == ("punct", "]"):
                        break
                    if sep != ("punct", ","):
                        raise _bad("',' or ']' expected in a value list.")
            else:
                kind, val = self.take()
                if kind == "punct":
                    raise _bad(f"A value is expected after {op}.")
                values.append(val)
        if op in TWO_VALUES and len(values) != 2:
            raise _bad(f"{op} takes two values.")
        return ("cond", fname, op, values)


class FilterCompiler:
    """Compiles a parsed `q=` to (sql, params) over `sim_record`."""

    def __init__(self, date_formats: list[str]) -> None:
        self.date_formats = date_formats

    def compile(self, text: str, fields: set[str]) -> tuple[str, list[Any]]:
        params: list[Any] = []
        sql = self._node(_Parser(text, fields).parse(), params)
        return sql, params

    def _node(self, node: Any, params: list[Any]) -> str:
        if node[0] in ("and", "or"):
            joiner = " AND " if node[0] == "and" else " OR "
            return "(" + joiner.join(self._node(n, params) for n in node[1]) + ")"
        _, fname, op, values = node
        negate = op.endswith("_NOT")
        base = op.removesuffix("_NOT")
        sql = self._condition(fname, base, values, params)
        return f"(NOT {sql})" if negate else sql

    @staticmethod
    def _expr(fname: str) -> str:
        if fname in _COLUMNS:
            return _COLUMNS[fname]
        return (
            f"(CASE WHEN json_type(body, '$.{fname}') = 'object' THEN json_extract(body, '$.{fname}.id') "
            f"ELSE json_extract(body, '$.{fname}') END)"
        )

    def _condition(self, fname: str, op: str, values: list[str], params: list[Any]) -> str:
        expr = self._expr(fname)
        if op == "EMPTY":
            return f"({expr} IS NULL OR {expr} = '')"
        if op in DATE_OPS:
            return self._date(fname, expr, op, values, params)
        column = _COLUMNS.get(fname)
        text_target = column if column and column != "id" else f"CAST({expr} AS TEXT)"  # keep indexes usable
        if op in STRING_OPS:
            val = values[0]
            if val.lower() in ("true", "false") and op == "IS" and not column:
                params.append(1 if val.lower() == "true" else 0)
                return f"{expr} = ?"
            if op == "IS":
                params.append(val)
                return f"{text_target} = ?"
            escaped = val.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = {"CONTAIN": f"%{escaped}%", "START_WITH": f"{escaped}%"}.get(op, f"%{escaped}")
            params.append(pattern)
            return f"{text_target} LIKE ? ESCAPE '\\'"
        numeric = [_number(v) for v in values]
        vals: Sequence[str | float | None]
        if column == "id":
            if any(n is None for n in numeric):
                raise _bad(f"Field 'id' takes numbers, not {values}.")
            target, vals = "id", [int(n) if n is not None and n.is_integer() else n for n in numeric]
        elif column:
            target, vals = column, values
        elif all(n is not None for n in numeric):
            target, vals = f"CAST({expr} AS REAL)", numeric
        else:
            target, vals = f"CAST({expr} AS TEXT)", values
        if op == "ANY_OF":
            params.extend(vals)
            return f"{target} IN ({','.join('?' * len(vals))})"
        if op == "BETWEEN":
            params.extend(vals)
            return f"{target} BETWEEN ? AND ?"
        sym = {"EQUAL": "=", "GREATER": ">", "GREATER_OR_EQUAL": ">=", "LESS": "<", "LESS_OR_EQUAL": "<="}[op]
        params.append(vals[0])
        return f"{target} {sym} ?"

    def _parse_date(self, value: str) -> tuple[datetime, bool]:
        for fmt in self.date_formats:
            try:
                parsed = datetime.strptime(value.strip(), fmt)
            except ValueError:
                continue
            return parsed, not any(c in fmt for c in ("%H", "%I"))
        raise _bad(f"Unparseable date: {value}. The query failed with date format {self.date_formats[0]}.")

    def _date(self, fname: str, expr: str, op: str, values: list[str], params: list[Any]) -> str:
        if fname in DATE_FIELDS:
            fmt = "%Y-%m-%d"
        elif fname in DATETIME_FIELDS:
            fmt = "%Y-%m-%dT%H:%M:%SZ"
        else:
            raise _bad(f"Field '{fname}' is not a date field.")
        if op == "WITHIN":
            (first, _), (last, last_day) = self._parse_date(values[0]), self._parse_date(values[1])
            end = last + timedelta(days=1) if last_day else last + timedelta(seconds=1)
            params.extend([first.strftime(fmt), end.strftime(fmt)])
            return f"({expr} >= ? AND {expr} < ?)"
        when, whole_day = self._parse_date(values[0])
        if whole_day or fname in DATE_FIELDS:
            start = datetime(when.year, when.month, when.day)
            lo, hi = start.strftime(fmt), (start + timedelta(days=1)).strftime(fmt)
            if fname in DATE_FIELDS:  # compare whole dates
                day = start.strftime(fmt)
                table = {
                    "AFTER": (">", day),
                    "BEFORE": ("<", day),
                    "ON": ("=", day),
                    "ON_OR_AFTER": (">=", day),
                    "ON_OR_BEFORE": ("<=", day),
                }
                sym, val = table[op]
                params.append(val)
                return f"{expr} {sym} ?"
            if op == "ON":
                params.extend([lo, hi])
                return f"({expr} >= ? AND {expr} < ?)"
            sym, val = {"AFTER": (">=", hi), "BEFORE": ("<", lo), "ON_OR_AFTER": (">=", lo), "ON_OR_BEFORE": ("<", hi)}[op]
            params.append(val)
            return f"{expr} {sym} ?"
        stamp = when.strftime(fmt)
        sym = {"AFTER": ">", "BEFORE": "<", "ON": "=", "ON_OR_AFTER": ">=", "ON_OR_BEFORE": "<="}[op]
        params.append(stamp)
        return f"{expr} {sym} ?"


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None
