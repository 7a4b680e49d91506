"""SuiteQL over the simulator's NetSuite-named tables (netsuite.md §1.9).

`POST /services/rest/query/v1/suiteql?limit=&offset=` with `{"q": ..., "params": [...]}` and
the required `Prefer: transient` header. The statement runs on SQLite after two rewrites
(`transaction`, a reserved word in SQLite, is quoted; `NVL` is provided) on a read-only
connection whose authorizer allows SELECTs that read only the tables and columns of
`suiteql_catalog.SUITEQL_CATALOG` (each with its source; hidden ones per config), and answers
NetSuite's error for anything else (`Field 'orderline' for record 'transactionLine' was not
found.`, `Record 'subsidiary' was not found.`). Items carry lower-case keys and `"links": []`;
numbers are strings and null columns are omitted (both configurable). Paging: `limit` ≤ 1000,
`offset` divisible by `limit` (§1.4), 100,000-result ceiling.
"""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .errors import MALFORMED_DETAIL, NsError
from .suiteql_catalog import SUITEQL_CATALOG

if TYPE_CHECKING:
    from .app import Simulator

_ALLOWED_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIRST_WORD = re.compile(r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*([A-Za-z]+)", re.S)


class Catalog:
    """The authorizer: a read of a table or column outside the catalog (or hidden by the
    config) is denied, and the first denial is kept so the error can name it."""

    def __init__(self, hidden_tables: list[str], hidden_columns: list[str]) -> None:
        self.hidden_tables = {t.lower() for t in hidden_tables}
        self.hidden_columns = {c.lower() for c in hidden_columns}
        self.denied: tuple[str, str] | None = None
        self.read: set[str] = set()  # "table.column" of every column a query read (in stats)

    def served(self, table: str, column: str) -> bool:
        entry = SUITEQL_CATALOG.get(table)
        if entry is None or table in self.hidden_tables:
            return False
        return not column or (column in entry[1] and f"{table}.{column}" not in self.hidden_columns)

    def __call__(self, action: int, arg1: str | None, arg2: str | None, dbname: str | None, source: str | None) -> int:
        if action in _ALLOWED_ACTIONS:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ and arg1 is not None:
            table, column = arg1.lower(), (arg2 or "").lower()
            if self.served(table, column):
                if column:
                    self.read.add(f"{table}.{column}")
                return sqlite3.SQLITE_OK
            self.denied = self.denied or (table, column)
        return sqlite3.SQLITE_DENY

    def error(self) -> NsError | None:
        if self.denied is None:
            return None
        table, column = self.denied
        entry = SUITEQL_CATALOG.get(table)
        if entry is None or table in self.hidden_tables or not column:
            return _bad_query(f"Record '{table}' was not found.")
        return _bad_query(f"Field '{column}' for record '{entry[0]}' was not found.")


def _nvl(value: Any, default: Any) -> Any:
    return default if value is None else value


def open_reader(connection: sqlite3.Connection, catalog: Catalog) -> sqlite3.Connection:
    connection.create_function("NVL", 2, _nvl, deterministic=True)
    connection.set_authorizer(catalog)
    return connection


def rewrite(sql: str) -> str:
    """Quote the identifier `transaction` outside literals and comments; drop a trailing ';'."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "'":
            j = i + 1
            while j < n:
                if sql[j] == "'":
                    if j + 1 < n and sql[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i : j + 1])
            i = j + 1
        elif ch == '"':
            j = sql.find('"', i + 1)
            j = n - 1 if j < 0 else j
            out.append(sql[i : j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(sql[i:j])
            i = j
        elif ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] in "_$"):
                j += 1
            word = sql[i:j]
            out.append('"transaction"' if word.lower() == "transaction" else word)
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out).rstrip().rstrip(";")


def _bad_query(detail: str) -> NsError:
    # Message shape as NetSuite answers unknown records/fields (netsuite.md §1.9 [PRAC-NSQ2],
    # [HG client.py]: 400 "Record 'X' was not found."); the error code is INFERENCE.
    return NsError(
        400,
        "INVALID_PARAMETER",
        f"Invalid search query. Detailed unprocessed description follows. Search error occurred: {detail}",
    )


def _translate(exc: sqlite3.Error) -> NsError:
    msg = str(exc)
    if m := re.match(r"no such table: (?:\w+\.)?(\w+)", msg):
        return _bad_query(f"Record '{m.group(1)}' was not found.")
    if m := re.match(r"no such column: (?:\w+\.)?(.+)", msg):
        return _bad_query(f"Field '{m.group(1)}' was not found.")
    if m := re.match(r"access to (\w+)\.", msg):
        return _bad_query(f"Record '{m.group(1)}' was not found.")
    if "not authorized" in msg or "prohibited" in msg:
        return _bad_query("Invalid or unsupported search.")
    return _bad_query(msg)


class SuiteQL:
    """Runs SuiteQL for the simulator; `format_value` follows the config's number rules."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.config = sim.config
        self.catalog = Catalog(sim.config.suiteql_hidden_tables, sim.config.suiteql_hidden_columns)
        self.db = open_reader(sim.store.connect_reader(), self.catalog)
        self.queries = 0
        # A query's totalResults, counted once until the next write: counting it again for every
        # page read the whole result each time (1.4 s a page at 1,000,000 balances). INFERENCE:
        # NetSuite's own cost per page is not published.
        self._totals: dict[tuple[str, tuple[Any, ...]], int] = {}
        self._totals_at: tuple[int, int] = (0, -1)  # the writer and its total_changes when they were counted

    def format_value(self, value: Any) -> Any:
        if not self.config.suiteql_numbers_as_strings or value is None or isinstance(value, str):
            return value
        if isinstance(value, float):
            text = str(int(value)) if value.is_integer() else f"{value:.10f}".rstrip("0").rstrip(".")
        else:
            text = str(value)
        if not self.config.suiteql_leading_zero:
            text = re.sub(r"^(-?)0\.", r"\1.", text)
        return text

    def run(self, q: str, params: list[Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        first = _FIRST_WORD.match(q)
        if not first or first.group(1).upper() not in ("SELECT", "WITH"):
            raise _bad_query("Only SELECT statements are supported.")
        sql = rewrite(q)
        with self.sim.store.lock:
            self.catalog.denied = None
            try:
                cur = self.db.execute(f"{sql}\nLIMIT {limit + 1} OFFSET {offset}", params)
                rows = cur.fetchall()
                names = [_column_name(d[0], n) for n, d in enumerate(cur.description or [], start=1)]
                more = len(rows) > limit
                rows = rows[:limit]
                total = len(rows) if offset == 0 and not more else self._total(sql, params)
            except sqlite3.Error as exc:
                raise (self.catalog.error() or _translate(exc)) from exc
        self.queries += 1
        omit = self.config.suiteql_omit_nulls
        items = []
        for row in rows:
            item: dict[str, Any] = {"links": []}
            for name, value in zip(names, row, strict=True):
                if value is None and omit:
                    continue
                item[name] = self.format_value(value)
            items.append(item)
        return items, min(total, self.config.suiteql_max_results)

    def _total(self, sql: str, params: list[Any]) -> int:
        writer = self.sim.store.db
        changes = (id(writer), writer.total_changes)
        if changes != self._totals_at:
            self._totals, self._totals_at = {}, changes
        key = (sql, tuple(params))
        if key not in self._totals:
            (self._totals[key],) = self.db.execute(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()
        return self._totals[key]


def _column_name(name: str, n: int) -> str:
    name = name.split(".")[-1] if "(" not in name else name
    return name.lower() if _IDENT.match(name) else f"expr{n}"


async def suiteql_endpoint(sim: Simulator, request: Request) -> Response:
    cfg = sim.config
    if "transient" not in request.headers.get("prefer", "").lower():
        raise NsError(400, "INVALID_REQUEST", f"{MALFORMED_DETAIL} The 'Prefer: transient' header is required.", header="Prefer")
    limit = _int_param(request, "limit", cfg.suiteql_max_limit)
    offset = _int_param(request, "offset", 0)
    if limit < 1 or limit > cfg.suiteql_max_limit:
        raise NsError(400, "INVALID_PARAMETER", f"The limit must be between 1 and {cfg.suiteql_max_limit}.", query_param="limit")
    if offset < 0 or offset % limit:
        raise NsError(400, "INVALID_PARAMETER", "The offset must be a multiple of the limit.", query_param="offset")
    if offset >= cfg.suiteql_max_results:
        raise NsError(
            400, "INVALID_PARAMETER", f"No more than {cfg.suiteql_max_results} results can be paged.", query_param="offset"
        )
    try:
        payload = await request.json()
    except ValueError as exc:
        raise NsError(400, "INVALID_REQUEST", MALFORMED_DETAIL) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("q"), str):
        raise NsError(400, "INVALID_REQUEST", f'{MALFORMED_DETAIL} The body must be {{"q": "..."}}.')
    params = payload.get("params") or []
    if not isinstance(params, list) or any(isinstance(p, (dict, list)) for p in params):
        raise NsError(400, "INVALID_REQUEST", f"{MALFORMED_DETAIL} 'params' must be a list of values.")
    items, total = sim.suiteql.run(payload["q"], params, limit, offset)
    has_more = offset + len(items) < total
    base = f"{sim.base_url(request)}/services/rest/query/v1/suiteql"

    def href(off: int) -> str:
        return f"{base}?{urlencode({'limit': limit, 'offset': off})}"

    links = []
    if offset > 0:
        links += [{"rel": "prev", "href": href(max(offset - limit, 0))}, {"rel": "first", "href": href(0)}]
    if has_more:
        last = ((total - 1) // limit) * limit
        links += [{"rel": "next", "href": href(offset + limit)}, {"rel": "last", "href": href(last)}]
    links.append({"rel": "self", "href": href(offset)})
    body = {
        "links": links,
        "count": len(items),
        "hasMore": has_more,
        "items": items,
        "offset": offset,
        "totalResults": total,
    }
    return JSONResponse(body, media_type="application/vnd.oracle.resource+json; type=collection")


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise NsError(400, "INVALID_PARAMETER", f"The {name} parameter must be an integer.", query_param=name) from exc
