"""The registry of sealed columns: every place a secret is stored at rest.

Rotation and key inventory walk this list, so a new table with a secret
(webhook signing secrets, trigger secrets...) is covered by adding one
``SealedColumn`` line to :func:`sealed_columns`. Callers that seal values use
the same purpose constants, so the associated data always matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from valetkey.vault.crypto import AssociatedData

AUTH_CONFIG_CREDENTIALS = "auth_config.credentials"
CONNECTED_ACCOUNT_STATE = "connected_account.state"
OAUTH_FLOW_SECRET = "oauth_flow.secret"  # noqa: S105 (not a secret)
# Project id used in the associated data of installation-wide secrets.
INSTALLATION = "-"


@dataclass(frozen=True)
class SealedColumn:
    """A Text column of ``model`` holding tokens sealed with the given purpose."""

    model: Any  # a declarative model class
    column: str
    purpose: str
    project_attr: str | None = "project_id"  # None for installation-wide secrets
    id_attr: str = "id"

    def aad(self, project_id: str | None, record_id: str) -> AssociatedData:
        return AssociatedData(self.purpose, project_id or INSTALLATION, str(record_id))

    def aad_for(self, row: Any) -> AssociatedData:
        """The associated data for a loaded ORM row of this model."""
        project_id = getattr(row, self.project_attr) if self.project_attr else None
        return self.aad(project_id, getattr(row, self.id_attr))


def sealed_columns() -> tuple[SealedColumn, ...]:
    """Every sealed column in the schema. Models are imported here, lazily, to keep the vault import-light."""
    from valetkey.auth.flow_models import OAuthFlow
    from valetkey.auth.models import AuthConfig, ConnectedAccount

    return (
        SealedColumn(AuthConfig, "credentials_encrypted", AUTH_CONFIG_CREDENTIALS),
        SealedColumn(ConnectedAccount, "state_encrypted", CONNECTED_ACCOUNT_STATE),
        SealedColumn(OAuthFlow, "secret_encrypted", OAUTH_FLOW_SECRET),
        # One line per new secret column, e.g.:
        # SealedColumn(WebhookEndpoint, "secret_encrypted", "webhook_endpoint.secret"),
    )
