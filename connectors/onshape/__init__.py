"""Onshape (PTC): released parts and assemblies, their revisions, assembly BOMs, release
packages, comments and webhooks over the REST API (https://cad.onshape.com/api/v16).

Every fact this package relies on, with its source and confidence: README.md here.
API keys are signed per request (`signing.py`); lists follow `next`; 429 waits `Retry-After`;
402 (the annual call limit) stops.
"""

from connectors.onshape.client import OnshapeClient
from connectors.onshape.errors import AnnualLimitReached
from connectors.onshape.models import ASSEMBLY, PART_STUDIO, Bom, BomRow, Comment, Notification, ReleasePackage, Revision
from connectors.onshape.settings import OnshapeSettings

__all__ = [
    "ASSEMBLY",
    "PART_STUDIO",
    "AnnualLimitReached",
    "Bom",
    "BomRow",
    "Comment",
    "Notification",
    "OnshapeClient",
    "OnshapeSettings",
    "ReleasePackage",
    "Revision",
]
