"""Placeholder: the shared upstream HTTP client."""

import httpx


class UpstreamClient:
    def __init__(self, timeout: float = 30.0):
        self.client = httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self.client.aclose()
