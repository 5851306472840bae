"""Sandbox emulators: OAuth providers (and, built on them, app APIs) on loopback.

The OAuth building blocks are plain objects (`OAuth2Provider`,
`OAuth1Provider`) plus route factories that mount them at any paths, so an
app emulator reuses them with its own URLs and quirks.
"""

from valetkey.sandbox.app import Sandbox, create_sandbox_app
from valetkey.sandbox.faults import Fault
from valetkey.sandbox.oauth1 import OAuth1Config, OAuth1Consumer, OAuth1Error, OAuth1Grant, OAuth1Provider
from valetkey.sandbox.oauth1_routes import OAuth1Paths, grant_for_signed_request, oauth1_routes
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_routes import OAuth2Paths, bearer_challenge, grant_for_request, oauth2_routes
from valetkey.sandbox.oauth2_types import Grant, OAuth2Client, OAuth2Config, OAuth2Error

__all__ = [
    "Fault",
    "Grant",
    "OAuth1Config",
    "OAuth1Consumer",
    "OAuth1Error",
    "OAuth1Grant",
    "OAuth1Paths",
    "OAuth1Provider",
    "OAuth2Client",
    "OAuth2Config",
    "OAuth2Error",
    "OAuth2Paths",
    "OAuth2Provider",
    "Sandbox",
    "bearer_challenge",
    "create_sandbox_app",
    "grant_for_request",
    "grant_for_signed_request",
    "oauth1_routes",
    "oauth2_routes",
]
