"""The provider modules, by toolkit (`base` is the seam they implement)."""

from __future__ import annotations

from valetkey.catalog.model import TriggerType
from valetkey.core.errors import ApiError
from valetkey.triggers.providers.base import PollProvider, WebhookProvider
from valetkey.triggers.providers.github import GitHub
from valetkey.triggers.providers.gmail import Gmail
from valetkey.triggers.providers.google import GoogleCalendar, GoogleDrive
from valetkey.triggers.providers.hackernews import HackerNews
from valetkey.triggers.providers.linear import Linear
from valetkey.triggers.providers.notion import Notion
from valetkey.triggers.providers.slack import Slack
from valetkey.triggers.providers.stripe import Stripe

SLACK = Slack()
WEBHOOK_PROVIDERS: dict[str, WebhookProvider] = {
    "github": GitHub(),
    "stripe": Stripe(),
    "slack": SLACK,
    "linear": Linear(),
}
POLL_PROVIDERS: dict[str, PollProvider] = {
    "gmail": Gmail(),
    "googlecalendar": GoogleCalendar(),
    "googledrive": GoogleDrive(),
    "notion": Notion(),
    "hackernews": HackerNews(),
}


def webhook_provider(toolkit: str) -> WebhookProvider | None:
    return WEBHOOK_PROVIDERS.get(toolkit)


def supported(trigger: TriggerType) -> None:
    """A 422 when the catalog lists a trigger type whose provider module does not exist (yet)."""
    known = WEBHOOK_PROVIDERS if trigger.kind == "webhook" else POLL_PROVIDERS
    if trigger.toolkit not in known:
        raise ApiError(
            f"Trigger type {trigger.slug} is listed, but this server cannot run {trigger.kind} triggers of "
            f"{trigger.toolkit} yet",
            status=422,
            slug="TriggerTypeUnsupported",
        )
