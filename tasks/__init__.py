"""Prefect tasks: each wraps a pure function or one batched I/O step over a page, never a record."""
