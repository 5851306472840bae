"""The outbound-network layer: the egress policy every call a project key can cause goes through.

`egress` decides (which host, address and port an outbound call may reach,
and the ``VALETKEY_EGRESS_ALLOW`` allow-list); `addresses` reads and classifies
IP addresses; `aio` and `sync` enforce the decision on the address actually
connected to, in aiohttp and httpx; `headers` names the request headers a
caller may never set. Sits just above `valetkey.core.settings`, beside store and
vault: it imports nothing else from Valetkey.
"""
