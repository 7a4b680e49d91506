"""The webhook receiver: verified deliveries → the ledger inbox → Prefect events.

`sources` holds the registry of senders (ION, Ramp, QuickBooks): how each signs, and how its
body becomes inbox events; `app` is the Starlette app `ion-sync webhooks` serves.
"""
