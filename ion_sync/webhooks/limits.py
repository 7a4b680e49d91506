"""The receiver's limits on a delivery's content, in one place.

What a parser accepts is stored as is on SQLite and on PostgreSQL, so everything the ledgers
would refuse (or store differently) is refused first, with a 4xx naming the field: string sizes
come from the inbox's column sizes (an event type and a subject are built from several fields,
and their parts' limits add up to less than the column), NUL and unpaired surrogates are refused
anywhere (PostgreSQL's text and json refuse them), and so are non-finite numbers (json refuses
NaN and Infinity) and nesting deeper than `MAX_DEPTH`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, PlainValidator, StringConstraints

from ledger.models import EVENT_ID_LENGTH, EVENT_TYPE_LENGTH, SUBJECT_LENGTH

MAX_DEPTH = 32  # nested arrays and objects in a body; real deliveries nest a handful of levels
TEXT_MAX = 1024  # any other declared string field
NAME_MAX = 40  # a part an event type is built from: ION resource and status, QuickBooks entity and operation
TYPE_MAX = 64  # an event type as the sender names it (Ramp, CloudEvents); its first parts name the kind
OBJECT_ID_MAX = 128  # the id of the object an event is about; the subject is <kind>:<id>

# The derived columns hold what their parts may add up to: <kind>.<action>.<status>, qbo.<entity>.<op>, <kind>:<id>.
if NAME_MAX + len(".delete.") + NAME_MAX > EVENT_TYPE_LENGTH or max(TYPE_MAX, NAME_MAX) + 1 + OBJECT_ID_MAX > SUBJECT_LENGTH:
    raise AssertionError("the webhook field limits do not fit the inbox columns (ledger.models)")

EventId = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=EVENT_ID_LENGTH, pattern=r"\S")]
ObjectId = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=OBJECT_ID_MAX)]
# A GraphQL enum value (ION statuses, ion.md §3) or a QuickBooks entity / operation name: ASCII, so lower() keeps its length.
Name = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=NAME_MAX, pattern=r"^[A-Za-z0-9_]+$")]
IntId = Annotated[int, Field(strict=True, ge=-(2**63), lt=2**63)]  # a database id; its digits fit any id column


def _number_or_text(max_length: int) -> PlainValidator:
    """An id ION may send as a number or a string (one error, at the field, not per union member)."""

    def check(value: Any) -> int | str:
        if type(value) is int and -(2**63) <= value < 2**63:
            return value
        if type(value) is str and 0 < len(value) <= max_length and not value.isspace():
            return value
        raise ValueError(f"should be a 64-bit whole number or a string of 1 to {max_length} characters")

    return PlainValidator(check)


IonEventId = Annotated[int | str, _number_or_text(EVENT_ID_LENGTH)]
IonObjectId = Annotated[int | str, _number_or_text(OBJECT_ID_MAX)]
