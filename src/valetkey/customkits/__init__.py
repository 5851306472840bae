"""Project-owned custom toolkits: a remote MCP server registered as a toolkit (docs/custom-toolkits.md).

`store.py` holds the records (upsert, sync's tool list, delete) and turns them into catalog `Toolkit`s;
`remote.py` talks to the remote server with the official `mcp` client, under the egress policy, both to
list its tools (sync) and to run one (`call_tool`, the handler every custom tool names).
"""
