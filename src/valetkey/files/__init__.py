"""File staging for tools that take or return files (Composio's ``file_uploadable`` / ``file_downloadable``).

The SDK uploads a local file before executing a tool: it asks
``POST /api/v3/files/upload/request`` for a presigned URL, PUTs the bytes
there, and sends the tool ``{"name", "mimetype", "s3key"}``. A tool that
returns a file answers ``{"name", "mimetype", "s3url"}`` and the SDK fetches
the URL. Valetkey plays the object store itself: bytes live under
``VALETKEY_HOME/files/projects/<project>/...`` (`storage`), presigned URLs are
HMAC-signed, expiring tokens (`signing`), and Python tool handlers reach a
project's files through `ProjectFiles` (`access`).
"""
