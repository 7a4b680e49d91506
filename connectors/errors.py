"""One error vocabulary for every connector (see `../shared/STYLE.md`).

| class            | meaning                                   | what the caller does                 |
|------------------|-------------------------------------------|--------------------------------------|
| TransientError   | timeout, 5xx, dropped connection          | retry with backoff                   |
| RateLimitedError | 429 / concurrency limit: not processed    | wait as told, retry                  |
| AuthError        | credentials rejected                      | refresh once, then stop loudly       |
| DataError        | the target rejected this record (4xx)     | dead letter with the vendor message  |
| ConfigError      | settings or mappings wrong                | stop before any write                |
| InfrastructureError | a resource (ledger database, disk, key) unusable | like ConfigError: stop before any write |
| ContractError    | the answer has an unexpected shape        | stop loudly                          |

`TransientError.uncertain` marks a write that may have been committed even though no
success came back (timeout or dropped connection after sending, 5xx): before trying again,
ask the target whether the record exists.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of every connector error. Messages never contain secrets."""


class TransientError(SyncError):
    def __init__(self, message: str, *, uncertain: bool = False) -> None:
        super().__init__(message)
        self.uncertain = uncertain


class RateLimitedError(TransientError):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, uncertain=False)
        self.retry_after = retry_after


class AuthError(SyncError):
    pass


class DataError(SyncError):
    """The target refused this record. `field` is the vendor's path to the bad field, if given."""

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.field = field
        self.status = status


class ConfigError(SyncError):
    pass


class InfrastructureError(ConfigError):
    """A resource ion-sync needs (the ledger database, its disk, the credentials key) cannot be
    used. A ConfigError, so every flow stops before any write; the message names the resource
    and what to do."""


class ContractError(SyncError):
    pass
