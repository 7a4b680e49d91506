"""The Arena PLM simulator: sessions, quota, items with revisions, BOMs, changes, the outbound
event queue, and the records ion-sync writes back (item files, change requests).

Contract: ../shared/reference/arena.md §1 (and its §4 simulator checklist); sandbox/README.md
("Arena simulator") lists the routes, the demo product and the admin routes.
"""

from sandbox.arena.app import create_app
from sandbox.arena.config import ArenaSimConfig

__all__ = ["ArenaSimConfig", "create_app"]
