"""The Scalekit SDK's origin: what `scalekit-sdk-python` talks to when its `env_url` is Valetkey.

The SDK fetches an access token with client credentials from `{env_url}/oauth/token`
(HTTP/1.1, `requests`), calls gRPC services on the same host and port over TLS
(HTTP/2, its generated stubs), and sends `actions.request` to `{env_url}/proxy/...`
(HTTP/1.1 again). `origin.py` serves all three on one TLS listener and routes each
connection by the protocol its TLS handshake chose (ALPN): `h2` goes to an in-process
grpcio server, `http/1.1` to a small ASGI app (`http_app.py`) on uvicorn's HTTP/1.1
protocol. The servicers (`accounts.py`, `tools.py`, `mcp.py`) use the SDK's own
message types and call the same feature functions as the REST routes.
"""
