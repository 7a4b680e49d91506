"""Pydantic models of ION time-tracking sessions (ion.md §3.2), as labor-sync reads them.

A session that fails validation becomes a dead letter naming the session and the field."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from connectors.ion.models import RunAttribute


class _Ion(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SessionUser(_Ion):
    id: int
    name: str | None = None
    email: str | None = None


class SessionRun(_Ion):
    id: int
    title: str | None = None
    status: str | None = None
    attributes: list[RunAttribute] = Field(default_factory=list)

    def attribute(self, key: str) -> str | None:
        return next((a.value for a in self.attributes if a.key == key), None)


class SessionStep(_Ion):
    id: int
    title: str | None = None
    position: int | None = None
    run: SessionRun


class Session(_Ion):
    """One person's time on one run step: checked in, and (once done) checked out."""

    id: int
    etag: str | None = Field(None, alias="_etag")
    updated: datetime = Field(alias="_updated")
    checkIn: datetime
    checkOut: datetime | None = None
    createdBy: SessionUser
    runStep: SessionStep
