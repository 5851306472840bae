"""Sessions (the tool router): a user's immutable tool configuration and its meta tools.

See docs/sessions.md for the HTTP surface, the account precedence rules, the
search seam and the MCP URL contract.
"""
