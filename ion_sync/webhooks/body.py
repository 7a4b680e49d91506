"""A delivery's bytes to JSON, refusing what could not be parsed safely or stored as is.

Every refusal is a MalformedDelivery naming the field (`body` for the body as a whole): the
receiver answers it with a 4xx, never a 5xx. The nesting depth is measured by a linear scan
of the brackets outside strings before `json.loads`, which would recurse.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from connectors.validation import field_path
from ion_sync.webhooks.limits import MAX_DEPTH


class MalformedDelivery(Exception):
    """Signed, but not the sender's documented shape or beyond a limit: 400, nothing stored."""

    def __init__(self, field: str, problem: str) -> None:
        # A field path is the sender's text (a key may be the offending string): printable, bounded.
        field = field.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\x00")[:200]
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


_TOKEN = re.compile(rb'[][{}"\\]')  # the only bytes that change the nesting, or whether we are in a string
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_OPENING = frozenset(b"[{")


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays and objects nest deeper than `limit`: one pass over the brackets, quotes
    and backslashes (no recursion, no backtracking), brackets inside strings skipped."""
    level, in_string, escaped = 0, False, -1
    for token in _TOKEN.finditer(body):
        at = token.start()
        if at == escaped:  # the byte after a backslash in a string
            continue
        byte = body[at]
        if in_string:
            if byte == _BACKSLASH:
                escaped = at + 1
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPENING:
            level += 1
            if level > limit:
                return True
        elif byte != _BACKSLASH:  # a closing bracket (a backslash out of a string is for json.loads to refuse)
            level -= 1
    return False


class _NotFinite(ValueError):
    pass


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _refuse_constant(text: str) -> float:
    raise _NotFinite(text)


def load_json(body: bytes, sender: str) -> Any:
    """The body as JSON: UTF-8, at most MAX_DEPTH deep, finite numbers, and strings (keys and
    values) free of NUL and unpaired surrogates."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedDelivery("body", f"the {sender} delivery is not UTF-8 (byte {exc.start})") from None
    if too_deep(body):
        raise MalformedDelivery("body", f"the {sender} delivery nests arrays or objects deeper than {MAX_DEPTH} levels")
    try:
        raw = json.loads(text, parse_float=_finite, parse_constant=_refuse_constant)
    except _NotFinite as exc:
        raise MalformedDelivery("body", f"the {sender} delivery holds a number out of range: {str(exc)[:40]}") from None
    except ValueError as exc:  # JSONDecodeError, and integers past Python's digit limit
        raise MalformedDelivery("body", f"the {sender} delivery is not JSON: {str(exc)[:200]}") from None
    _check_strings(raw, sender)
    return raw


def _check_strings(raw: Any, sender: str) -> None:
    """Refuse NUL and unpaired surrogates anywhere: PostgreSQL stores neither (an iterative walk)."""
    stack: list[tuple[tuple[int | str, ...], Any]] = [((), raw)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                _check_string((*loc, key), key, sender)
                stack.append(((*loc, key), item))
        elif isinstance(value, list):
            stack.extend(((*loc, i), item) for i, item in enumerate(value))
        elif isinstance(value, str):
            _check_string(loc, value, sender)


def _check_string(loc: tuple[int | str, ...], value: str, sender: str) -> None:
    field = field_path(loc) or "body"
    if "\x00" in value:
        raise MalformedDelivery(field, f"the {sender} delivery holds a NUL character, which the ledger cannot store")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedDelivery(field, f"the {sender} delivery holds an unpaired UTF-16 surrogate (\\ud800-\\udfff)") from None
