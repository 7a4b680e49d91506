"""ION time-tracking sessions (ion.md §3.2) and the user who worked each."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from connectors.ion.models.base import IonModel
from connectors.ion.models.runs import RunStep


class User(IonModel):
    id: int
    name: str | None = None
    email: str | None = None


class Session(IonModel):
    """One person's time on one run step: checked in, and (once done) checked out."""

    id: int
    etag: str | None = Field(None, alias="_etag")
    updated: datetime = Field(alias="_updated")
    checkIn: datetime
    checkOut: datetime | None = None
    createdBy: User
    runStep: RunStep
