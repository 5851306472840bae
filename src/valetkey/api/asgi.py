"""ASGI entry point for uvicorn and other servers: `valetkey.api.asgi:app`."""

from valetkey.api.app import create_app

# The CLI migrates before starting workers; each worker only checks.
app = create_app()
