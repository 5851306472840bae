"""Server-rendered pages end users see: hosted Connect Links and OAuth outcomes."""
