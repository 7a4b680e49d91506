"""Fuzzing the webhook receiver: whatever a signed sender posts, the outcome is stored events
that fit both ledgers, or a refusal naming the field: never an exception, never a 5xx."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from ion_sync.webhooks.app import create_app
from ion_sync.webhooks.body import MalformedDelivery
from ion_sync.webhooks.sources import (
    ParsedEvent,
    parse_ion,
    parse_quickbooks,
    parse_ramp,
)
from ledger.inbox import Inbox
from ledger.models import EVENT_ID_LENGTH, EVENT_TYPE_LENGTH, SUBJECT_LENGTH
from ledger.store import Ledger
from tests.test_webhooks_receiver import (
    cloud_event,
    ion_event,
    legacy_event,
    ramp_event,
    signed_headers,
    sources,
)

PARSERS = {"ion": parse_ion, "ramp": parse_ramp, "quickbooks": parse_quickbooks}
TEMPLATES = {"ion": ion_event(), "ramp": ramp_event(), "quickbooks": [cloud_event()], "quickbooks-legacy": legacy_event()}

# Strings as senders can write them in JSON: any code point, NUL and lone surrogates included,
# short ones and ones around the column sizes.
tricky = st.sampled_from(["\x00", "\ud800", "\udfff", "\u0130", " ", ".", "\U0001f600"])
characters = tricky | st.characters(exclude_categories=())
strings = st.text(characters, max_size=12) | st.builds(lambda c, n: c * n, characters, st.integers(0, 1100))
scalars = st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**40), max_value=10**40) | st.floats() | strings
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4), max_leaves=12
)


def paths(value: Any, at: tuple = (), strings_only: bool = False) -> list[tuple]:
    """Every place in a template a fuzzed value can go (containers included), or every string."""
    found = [at] if at and (isinstance(value, str) or not strings_only) else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, item in items:
        found += paths(item, (*at, key), strings_only)
    return found


def replaced(template: Any, path: tuple, value: Any) -> Any:
    result = copy.deepcopy(template)
    target = result
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return result


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[str, bytes]:
    """A sender's template with a string or any value replaced, arbitrary JSON, or arbitrary bytes."""
    name = draw(st.sampled_from(sorted(TEMPLATES)))
    source = name.removesuffix("-legacy")
    template = TEMPLATES[name]
    kind = draw(st.sampled_from(["string", "string", "value", "json", "bytes"]))
    if kind == "bytes":
        return source, draw(st.binary(max_size=200))
    if kind == "json":
        return source, json.dumps(draw(json_values)).encode()
    where = paths(template, strings_only=kind == "string")
    return source, json.dumps(
        replaced(template, draw(st.sampled_from(where)), draw(strings if kind == "string" else json_values))
    ).encode()


def strings_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in [key, *strings_in(item)]]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return [value] if isinstance(value, str) else []


def assert_fits_the_ledgers(event: ParsedEvent) -> None:
    """What PostgreSQL would refuse: longer than the column, NUL, unpaired surrogates, NaN."""
    assert 0 < len(event.event_id) <= EVENT_ID_LENGTH and len(event.event_type) <= EVENT_TYPE_LENGTH
    assert len(event.subject or "") <= SUBJECT_LENGTH
    text = [event.event_id, event.event_type, event.subject or "", *strings_in(event.payload)]
    assert not any("\x00" in s for s in text)
    json.dumps(text, ensure_ascii=False).encode("utf-8")
    json.dumps(event.payload, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(deliveries())
def test_the_parsers_return_events_that_fit_or_refuse_naming_the_field(delivery):
    source, body = delivery
    try:
        events = PARSERS[source](body)
    except MalformedDelivery as exc:
        assert exc.field and exc.problem
        return
    for event in events:
        assert_fits_the_ledgers(event)


def test_the_receiver_answers_fuzzed_deliveries_with_stored_events_or_a_named_4xx(database_url):
    ledger = Ledger(database_url)
    inbox = Inbox(ledger)
    with TestClient(create_app(ledger, sources(tolerance_seconds=0), emit=None)) as client:

        @settings(max_examples=50, deadline=None)
        @given(deliveries())
        def answer_is_stored_or_refused(delivery: tuple[str, bytes]) -> None:
            source, body = delivery
            before = inbox.backlog().pending
            answer = client.post(f"/webhooks/{source}", content=body, headers=signed_headers(source, body))
            assert answer.status_code in (200, 400, 409), answer.text
            if answer.status_code == 400:
                assert answer.json()["field"] and inbox.backlog().pending == before
            else:
                assert inbox.backlog().pending == before + answer.json()["accepted"]

        answer_is_stored_or_refused()
    ledger.close()
