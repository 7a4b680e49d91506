"""Prefect tasks: each wraps a pure function or one batched I/O step over a page, never a record.

Every flow imports this package, so from here on the clients' vendor budgets are held in
Prefect's global concurrency limits where they exist (`tasks.budgets`)."""

from tasks.budgets import share_through_prefect

share_through_prefect()
