"""A small in-memory ORM with Odoo's public behaviour: models and fields per version, domains,
search_read / read / create / write with x2many commands, and Odoo's exceptions by name.

Only the models and fields of `models.py` exist; any other name is refused the way Odoo refuses
it (`ValueError: Invalid field 'x' on model 'y'`, [ODOO-ORM]), so a client that writes a field of
another version (`quantity_done` on 17+) fails here as it would there.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class OdooException(Exception):
    """An exception as Odoo names it on the wire (`odoo.exceptions.UserError`, ...)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def user_error(message: str) -> OdooException:
    return OdooException("odoo.exceptions.UserError", message)


def value_error(message: str) -> OdooException:
    return OdooException("builtins.ValueError", message)


@dataclass(frozen=True)
class Field:
    type: str  # char, integer, float, boolean, selection, datetime, date, many2one, one2many, many2many, html
    relation: str | None = None
    inverse: str | None = None  # one2many: the many2one on `relation` pointing back
    required: bool = False
    readonly: bool = False  # computed/stored by the server: a write is refused (INFERENCE: Odoo ignores some)


def now() -> str:
    """Odoo's datetime format on the wire: 'YYYY-MM-DD HH:MM:SS', UTC [ODOO-ORM fields.Datetime]."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": lambda a, b: a is not False and a is not None and a < b,
    "<=": lambda a, b: a is not False and a is not None and a <= b,
    ">": lambda a, b: a is not False and a is not None and a > b,
    ">=": lambda a, b: a is not False and a is not None and a >= b,
    "in": lambda a, b: bool(set(a) & set(b)) if isinstance(a, list) else a in b,
    "not in": lambda a, b: not (bool(set(a) & set(b)) if isinstance(a, list) else a in b),
    "like": lambda a, b: isinstance(a, str) and str(b).strip("%").replace("%", "") in a,
    "ilike": lambda a, b: isinstance(a, str) and str(b).strip("%").replace("%", "").lower() in a.lower(),
    "=like": lambda a, b: a == b,
}


@dataclass
class Orm:
    """The records of every model, by id; `schema` says which models and fields exist."""

    schema: dict[str, dict[str, Field]]
    records: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    next_id: dict[str, int] = field(default_factory=dict)

    def model(self, name: str) -> dict[str, Field]:
        if name not in self.schema:
            raise OdooException("werkzeug.exceptions.NotFound", f"the model {name!r} does not exist")
        return self.schema[name]

    def table(self, name: str) -> dict[int, dict[str, Any]]:
        self.model(name)
        return self.records.setdefault(name, {})

    def _field(self, model: str, name: str) -> Field:
        spec = self.model(model).get(name)
        if spec is None and name != "id":
            raise value_error(f"Invalid field {name!r} on model {model!r}")
        return spec or Field("integer", readonly=True)

    # -- reading --------------------------------------------------------------------------------

    def value(self, model: str, record: dict[str, Any], path: str) -> Any:
        """A field's value, following many2one dots (`location_id.usage`)."""
        head, _, rest = path.partition(".")
        spec = self._field(model, head)
        raw = record["id"] if head == "id" else record.get(head, self.default(spec))
        if not rest:
            return raw
        if spec.type != "many2one" or not spec.relation:
            raise value_error(f"Invalid field {path!r} on model {model!r}")
        target = self.table(spec.relation).get(raw) if raw else None
        return self.value(spec.relation, target, rest) if target else False

    @staticmethod
    def default(spec: Field) -> Any:
        return [] if spec.type in ("one2many", "many2many") else 0.0 if spec.type == "float" else False

    def matches(self, model: str, record: dict[str, Any], domain: list[Any]) -> bool:
        """Odoo's prefix-notation domains: leaves `[field, op, value]`, `&` (implicit), `|`, `!`."""
        stack: list[bool] = []
        for term in reversed(domain):
            if term == "&":
                stack.append(stack.pop() & stack.pop())
            elif term == "|":
                stack.append(stack.pop() | stack.pop())
            elif term == "!":
                stack.append(not stack.pop())
            elif isinstance(term, list | tuple) and len(term) == 3:
                name, op, expected = term
                if op not in OPERATORS:
                    raise value_error(f"Invalid leaf {list(term)!r}: operator {op!r} unknown")
                stack.append(bool(OPERATORS[op](self.value(model, record, str(name)), expected)))
            else:
                raise value_error(f"Invalid leaf {term!r}")
        return all(stack)

    def search(
        self, model: str, domain: list[Any], order: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[int]:
        rows = [r for r in self.table(model).values() if self.matches(model, r, domain or [])]
        for key in reversed([part.strip() for part in (order or "id").split(",") if part.strip()]):
            name, _, direction = key.partition(" ")
            self._field(model, name)
            rows.sort(key=lambda r, n=name: _sortable(r["id"] if n == "id" else r.get(n)), reverse=direction.lower() == "desc")  # type: ignore[misc]
        ids = [r["id"] for r in rows][offset:]
        return ids[:limit] if limit else ids

    def read(self, model: str, ids: Iterable[int], fields: list[str] | None) -> list[dict[str, Any]]:
        table = self.table(model)
        names = fields or list(self.model(model))
        out = []
        for record_id in ids:
            record = table.get(record_id)
            if record is None:
                raise OdooException(
                    "odoo.exceptions.MissingError", f"Record does not exist or has been deleted. (Record: {model}({record_id},))"
                )
            row: dict[str, Any] = {"id": record_id}
            for name in names:
                spec = self._field(model, name)
                raw = record_id if name == "id" else record.get(name, self.default(spec))
                if spec.type == "many2one" and raw:  # [id, display name] on the wire [ODOO-ORM read]
                    target = self.table(spec.relation or "").get(raw, {})
                    raw = [raw, target.get("complete_name") or target.get("name") or f"{spec.relation},{raw}"]
                elif spec.type == "one2many":
                    raw = self.search(spec.relation or "", [[spec.inverse, "=", record_id]])
                row[name] = raw
            out.append(row)
        return out

    # -- writing --------------------------------------------------------------------------------

    def create(self, model: str, values: dict[str, Any]) -> int:
        table = self.table(model)
        record_id = self.next_id.get(model, 1)
        self.next_id[model] = record_id + 1
        record: dict[str, Any] = {"id": record_id, "create_date": now(), "write_date": now()}
        table[record_id] = record
        try:
            self._assign(model, record, values, creating=True)
        except BaseException:
            del table[record_id]
            raise
        for name, spec in self.model(model).items():
            if spec.required and record.get(name) in (None, False, ""):
                del table[record_id]
                raise OdooException("odoo.exceptions.ValidationError", f"The field {name!r} on {model} is required")
        return record_id

    def write(self, model: str, ids: Iterable[int], values: dict[str, Any], *, system: bool = False) -> None:
        table = self.table(model)
        for record_id in ids:
            record = table.get(record_id)
            if record is None:
                raise OdooException(
                    "odoo.exceptions.MissingError", f"Record does not exist or has been deleted. (Record: {model}({record_id},))"
                )
            self._assign(model, record, values, system=system)
            record["write_date"] = now()

    def unlink(self, model: str, ids: Iterable[int]) -> None:
        table = self.table(model)
        for record_id in list(ids):
            table.pop(record_id, None)

    def _assign(
        self, model: str, record: dict[str, Any], values: dict[str, Any], *, creating: bool = False, system: bool = False
    ) -> None:
        for name, value in values.items():
            spec = self._field(model, name)
            if spec.readonly and not system:
                raise value_error(f"Invalid field {name!r} on model {model!r}: it is computed by the server")
            if spec.type == "one2many":
                self._commands(spec, record["id"], value)
            elif spec.type == "many2many":
                current = set(record.get(name) or [])
                for command in value or []:
                    if command[0] == 6:
                        current = set(command[2])
                    elif command[0] == 4:
                        current.add(command[1])
                    elif command[0] == 3:
                        current.discard(command[1])
                    elif command[0] == 5:
                        current = set()
                record[name] = sorted(current)
            elif spec.type == "many2one" and value and value not in self.table(spec.relation or ""):
                raise OdooException(
                    "odoo.exceptions.MissingError",
                    f"Record does not exist or has been deleted. (Record: {spec.relation}({value},))",
                )
            elif spec.type == "float" and not isinstance(value, int | float):
                raise value_error(f"Wrong value for {model}.{name}: {value!r}")
            else:
                record[name] = value

    def _commands(self, spec: Field, parent: int, commands: list[Any]) -> None:
        """x2many commands [ODOO-ORM Command]: 0 create, 1 update, 2 delete, 5 clear."""
        relation, inverse = spec.relation or "", spec.inverse or ""
        for command in commands or []:
            code = command[0]
            if code == 0:
                self.create(relation, {**command[2], inverse: parent})
            elif code == 1:
                self.write(relation, [command[1]], command[2])
            elif code in (2, 3):
                self.unlink(relation, [command[1]])
            elif code == 5:
                self.unlink(relation, self.search(relation, [[inverse, "=", parent]]))
            else:
                raise value_error(f"unsupported x2many command {command!r}")


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, "") if value in (None, False) else (1, value)
