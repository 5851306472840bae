"""The bottom layer: what every other package may use and nothing here imports from them.

- `errors`: the error hierarchy every layer raises (the HTTP layer turns it into the error object).
- `context`: who is calling (the project or organization) as domain code sees it.
- `ids`: prefixed public ids and hashed bearer secrets.
- `settings`: the server's configuration, read from the environment.
- `log_setup`: JSON-lines logging with redaction.
- `cursors`: opaque list cursors.

See docs/architecture.md for the layers above.
"""
