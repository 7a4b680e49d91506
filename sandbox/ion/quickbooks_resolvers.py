"""Resolvers of the QuickBooks area (`schema_quickbooks.graphql`): location addresses.

The demo catalog keeps no addresses, so the sites' postal addresses are fixed demo facts
(sandbox/README.md, "ION purchasing"): Hawthorne and Long Beach and their sub-locations
inherit their site's address; other locations have none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo

SITE_ADDRESSES = {
    1: "12800 Crenshaw Blvd\nHawthorne, CA 90250\nUS",
    10: "3900 E Spring St\nLong Beach, CA 90808\nUS",
}


def _address(source: dict[str, Any], info: GraphQLResolveInfo) -> str | None:
    locations = info.context.store.locations
    location: dict[str, Any] | None = source
    while location is not None:
        if location["id"] in SITE_ADDRESSES:
            return SITE_ADDRESSES[location["id"]]
        parent = location.get("parentId")
        location = locations.get(parent) if parent is not None else None
    return None


QUICKBOOKS_RESOLVERS: dict[str, dict[str, Callable[..., Any]]] = {"Location": {"address": _address}}
