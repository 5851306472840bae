"""Moving a project in and out: `valetkey import composio`, `valetkey export` and import from that file.

- `source.py`: the source's v3 REST API, paged with cursors, honouring `Retry-After`.
- `snapshot.py`: what a project is made of, in Composio's wire format (the export format too).
- `importer.py`: recreating a snapshot in a project, idempotently, through the import ledger.
- `verify.py`: checking each imported account (verification request or token refresh).
- `relink.py`: Connect Links for the accounts that need their user again.
- `archive.py`: the passphrase-encrypted export file.
"""
