"""One TLS listener for the Scalekit SDK, routed by ALPN.

The SDK makes two kinds of connection to `env_url`'s host and port: `requests` (urllib3)
offers ALPN `http/1.1` only, for `/oauth/token` and `/proxy/...`; grpcio offers `h2`
only, for the gRPC services. So the TLS handshake already says which server a connection
is for, and nothing has to look inside HTTP:

- `http/1.1` (or no ALPN): the connection is handed, in this process and on the same
  TLS transport, to uvicorn's HTTP/1.1 protocol serving `http_app` (no second hop);
- `h2`: the decrypted bytes are piped to a grpcio `aio` server on a private Unix socket
  (a folder only this user can open), so gRPC framing, flow control, deadlines and
  trailers are grpcio's own, not a reimplementation.

The alternative, one HTTP/2 server carrying both (hypercorn with a hand-written gRPC
layer over ASGI), would reimplement gRPC's framing, trailers and status details; the
token call would still arrive on HTTP/1.1, as `requests` cannot speak h2. The listener
binds with SO_REUSEPORT so each of `valetkey serve --workers N`'s processes opens its own
and the kernel spreads connections over them. Figures: benchmarks/scalekit.py.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import ssl
import tempfile
from pathlib import Path
from typing import Any

from valetkey.api.state import AppState

log = logging.getLogger("valetkey.scalekit")

# Scalekit's own keepalive policy (the SDK's comments cite it): pings no more often than
# every 30 s, allowed on idle connections; the SDK pings every 60 s.
GRPC_OPTIONS = [
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 30_000),
    ("grpc.max_receive_message_length", 16 * 1024 * 1024),
]


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert), str(key))
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


class _Back(asyncio.Protocol):
    """The gRPC server's side of a piped connection: its bytes go back to the client."""

    def __init__(self, front: _Pipe) -> None:
        self.front = front

    def data_received(self, data: bytes) -> None:
        self.front.client.write(data)

    def pause_writing(self) -> None:  # the gRPC side is ahead of the client: stop reading it
        self.front.client.pause_reading()

    def resume_writing(self) -> None:
        self.front.client.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.front.client.close()


class _Pipe(asyncio.Protocol):
    """A client's h2 connection, piped to the gRPC server's Unix socket."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self.client: Any = None
        self.upstream: asyncio.Transport | None = None
        self.pending: list[bytes] = []
        self.closed = False

    def connection_made(self, transport: Any) -> None:
        self.client = transport
        asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            upstream, _ = await loop.create_unix_connection(lambda: _Back(self), self.socket_path)
        except OSError:
            log.warning("the Scalekit gRPC server does not answer on its socket")
            self.client.close()
            return
        if self.closed:
            upstream.close()
            return
        self.upstream = upstream
        for chunk in self.pending:
            upstream.write(chunk)
        self.pending.clear()

    def data_received(self, data: bytes) -> None:
        if self.upstream is not None:
            self.upstream.write(data)
        else:
            self.pending.append(data)

    def pause_writing(self) -> None:
        if self.upstream is not None:
            self.upstream.pause_reading()

    def resume_writing(self) -> None:
        if self.upstream is not None:
            self.upstream.resume_reading()

    def eof_received(self) -> bool | None:
        if self.upstream is not None and self.upstream.can_write_eof():
            self.upstream.write_eof()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.upstream is not None:
            self.upstream.close()


class ScalekitOrigin:
    """The listener, the gRPC server and the HTTP/1.1 app of one process; `start`, then `stop`."""

    def __init__(self, state: AppState, listen: str, cert: Path, key: Path) -> None:
        host, _, port = listen.rpartition(":")
        self.host, self.port = host.strip("[]"), int(port)
        self.state = state
        self.context = tls_context(cert, key)
        self._dir = ""
        self._grpc: Any = None
        self._listener: asyncio.Server | None = None
        self._http_config: Any = None
        self._server_state: Any = None

    @property
    def grpc_socket(self) -> str:
        return os.path.join(self._dir, "grpc.sock")

    async def start(self) -> None:
        try:
            import grpc
            import scalekit.v1  # noqa: F401
        except ImportError as exc:
            raise RuntimeError(
                f"VALETKEY_SCALEKIT_LISTEN needs the Scalekit SDK's messages and grpcio ({exc}): "
                "pip install 'valetkey[scalekit]'"
            ) from None
        import grpc
        import uvicorn
        from scalekit.v1.connected_accounts import connected_accounts_pb2_grpc
        from scalekit.v1.mcp import mcp_pb2_grpc
        from scalekit.v1.tools import tools_pb2_grpc
        from uvicorn.server import ServerState

        from valetkey.api.scalekit.accounts import ConnectedAccounts
        from valetkey.api.scalekit.auth import TokenCache
        from valetkey.api.scalekit.http_app import create_http_app
        from valetkey.api.scalekit.mcp import Mcp
        from valetkey.api.scalekit.tools import Tools

        tokens = TokenCache()
        self._dir = tempfile.mkdtemp(prefix="valetkey-scalekit-")  # mode 0700: only this user connects
        self._grpc = grpc.aio.server(options=GRPC_OPTIONS)
        connected_accounts_pb2_grpc.add_ConnectedAccountServiceServicer_to_server(
            ConnectedAccounts(self.state, tokens), self._grpc
        )
        tools_pb2_grpc.add_ToolServiceServicer_to_server(Tools(self.state, tokens), self._grpc)
        mcp_pb2_grpc.add_McpServiceServicer_to_server(Mcp(self.state, tokens), self._grpc)
        self._grpc.add_insecure_port("unix:" + self.grpc_socket)
        await self._grpc.start()

        config = uvicorn.Config(
            create_http_app(self.state, tokens),
            lifespan="off",
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
            log_level="warning",
        )
        config.load()
        self._http_config, self._server_state = config, ServerState()
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(
            self._accept, self.host, self.port, ssl=self.context, reuse_port=True, backlog=1024
        )

    def _accept(self) -> asyncio.Protocol:
        return _Dispatch(self)

    def http_protocol(self) -> asyncio.Protocol:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol(self._http_config, self._server_state, app_state={})

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
        if self._server_state is not None:
            for connection in list(self._server_state.connections):
                connection.shutdown()
        if self._grpc is not None:
            await self._grpc.stop(grace=2)
        if self._listener is not None:
            try:
                await asyncio.wait_for(self._listener.wait_closed(), timeout=5)
            except TimeoutError:
                pass
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)


class _Dispatch(asyncio.Protocol):
    """Decides per connection, right after the TLS handshake, which server gets it."""

    def __init__(self, origin: ScalekitOrigin) -> None:
        self.origin = origin

    def connection_made(self, transport: Any) -> None:
        tls = transport.get_extra_info("ssl_object")
        protocol = tls.selected_alpn_protocol() if tls is not None else None
        chosen: asyncio.Protocol
        if protocol == "h2":
            chosen = _Pipe(self.origin.grpc_socket)
        else:
            chosen = self.origin.http_protocol()
        transport.set_protocol(chosen)
        chosen.connection_made(transport)
