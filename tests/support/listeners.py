"""Loopback listeners that count every connection: traps an SSRF must never reach, and small upstreams."""

from __future__ import annotations

import socket
import threading


class Listener:
    """Accepts TCP connections on `host`:`port` and answers each with one fixed HTTP response.

    `hits` counts connections, so even a request that never finishes counts.
    """

    def __init__(
        self, host: str, port: int = 0, *, status: str = "200 OK", headers: dict[str, str] | None = None
    ):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(64)
        self.host, self.port = host, self.sock.getsockname()[1]
        body = b'{"secret": "reached a listener the egress policy must protect"}'
        lines = [f"HTTP/1.1 {status}", "Content-Type: application/json", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.response = ("\r\n".join([*lines, "Connection: close", "", ""])).encode() + body
        self.hits = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.hits += 1
            try:
                conn.settimeout(2)
                conn.recv(65536)
                conn.sendall(self.response)
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self.sock.close()


def twin_listeners(first: str, second: str, **kwargs) -> tuple[Listener, Listener]:
    """Two listeners on the same port of two loopback addresses (127.0.0.2, 127.0.0.3)."""
    for _ in range(20):
        a = Listener(first, **kwargs)
        try:
            return a, Listener(second, a.port, **kwargs)
        except OSError:
            a.close()
    raise RuntimeError("no port free on both addresses")
