"""Local simulators of the systems ion-sync talks to.

Each simulator is an ASGI app written from `../shared/reference/` alone: it imports nothing
from `connectors/`, `tasks/`, `flows/` or `ledger/`, so a client bug cannot hide behind the
same bug in its simulator. See `sandbox/README.md` for the contract they implement.
"""
