"""The gmail toolkit's Python tools (MIME composition, reading messages as text); definitions in YAML."""
