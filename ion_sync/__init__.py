"""ion-sync's application shell: settings, the mappings file, the `ion-sync` command and the demo."""
