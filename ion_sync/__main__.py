"""`python -m ion_sync` is the `ion-sync` command."""

from ion_sync.cli import app

app()
