"""Which BC document belongs to which ledger key, for writers whose documents carry no key of
ours (receipts, time registration entries: README facts 21, 27). `find` matches BC documents by
content; a document the ledger already records as another key's target is never given to a
second key, so two ION records with the same content cannot be mistaken for one another. Read
once per page from the ledger (posted keys of the writer's integration) and kept up to date by
the writer within its run."""

from __future__ import annotations

from ledger import EntryStatus, Ledger


class Attribution:
    def __init__(self, database_url: str | None, integration: str) -> None:
        self.database_url = database_url
        self.integration = integration
        self.owners: dict[str, str] = {}  # BC document id or number -> ledger key

    def refresh(self) -> None:
        if not self.database_url:
            return
        ledger = Ledger(self.database_url)
        try:
            posted = ledger.entries(self.integration, status=EntryStatus.posted)
        finally:
            ledger.close()
        self.owners.update({entry.target_id: entry.key for entry in posted if entry.target_id})

    def free_for(self, document: str, key: str) -> bool:
        return self.owners.get(document, key) == key

    def give(self, document: str, key: str) -> None:
        self.owners[document] = key
