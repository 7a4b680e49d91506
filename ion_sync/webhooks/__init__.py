"""The webhook receiver: verified deliveries → the ledger inbox → Prefect events.

`sources` holds the registry of senders (ION, Ramp, QuickBooks): how each signs, and how its
body becomes inbox events; `body` and `limits` say what a delivery may be (refused with a 4xx
naming the field otherwise, alike on SQLite and PostgreSQL); `app` is the Starlette app
`ion-sync webhooks` serves.
"""
