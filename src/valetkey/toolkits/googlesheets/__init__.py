"""Google Sheets toolkit: definitions in YAML; row lookup in `handlers`."""
