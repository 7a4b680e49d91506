"""Arena PLM (PTC): REST over httpx with a login session, the daily quota and offset paging.

Follows `../shared/reference/arena.md` §1: login/logout and the one-session-per-user rule
(§1.2; shared across processes through a `SessionStore`), `X-Arena-Requests-Remaining` (§1.3),
`errors[]` bodies (§1.4), items, revisions and BOMs (§1.5-§1.7), changes (§1.8) and the
outbound event queue (§1.9).
"""

from connectors.arena.client import ArenaClient, QuotaExhausted
from connectors.arena.session import SessionStore
from connectors.arena.settings import ArenaSettings

__all__ = ["ArenaClient", "ArenaSettings", "QuotaExhausted", "SessionStore"]
