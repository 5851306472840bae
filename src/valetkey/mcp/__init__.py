"""MCP: server configs, per-user pre-authenticated URLs, and the streamable HTTP endpoint.

Absolute imports only (`valetkey.mcp...`): the official SDK is the top-level
package `mcp`, and this package never shadows it.
"""
