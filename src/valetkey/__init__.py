"""Valetkey: let AI agents act in their users' SaaS apps, on your own machines."""

__version__ = "0.1.0"
