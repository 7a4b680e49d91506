"""The Onshape simulator: signed API-key requests, revisions made by release packages over
document versions, assembly BOMs, comments, webhooks with signed notifications.

Contract: each route, field and rule with its source in sandbox/onshape/SOURCES.md;
sandbox/README.md ("Onshape simulator") lists the demo products and the admin routes.
"""

from sandbox.onshape.app import create_app
from sandbox.onshape.config import OnshapeSimConfig

__all__ = ["OnshapeSimConfig", "create_app"]
