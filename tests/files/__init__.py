"""Real-looking CRM exports made on the fly for the import tests (and data/samples/)."""
