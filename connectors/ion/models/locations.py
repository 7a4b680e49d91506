"""ION locations (ion.md §3.11): a tree, `parentId` leading up to the site."""

from __future__ import annotations

from connectors.ion.models.base import IonModel


class Location(IonModel):
    id: int
    name: str | None = None
    parentId: int | None = None
