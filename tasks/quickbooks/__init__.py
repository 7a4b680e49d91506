"""Prefect tasks of the QuickBooks syncs, over a page: the writers are in `erp.quickbooks`."""
