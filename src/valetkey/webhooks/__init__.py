"""Outbound webhooks: the project's subscription, the durable outbox and its delivery worker.

A low layer (it imports core, store, vault and net only), so every feature that
has something to tell a project can publish: triggers publish
``composio.trigger.message`` and ``composio.trigger.disabled``, connections
publish ``composio.connected_account.expired``.

- `subscriptions`: the one subscription per project (`/webhook_subscriptions`), its sealed secret.
- `outbox`: `publish(session, ...)`, the event written in the caller's transaction.
- `payloads`: the V1, V2 and V3 bodies and the Standard Webhooks signature.
- `delivery`: the worker (row leases, retries on `VALETKEY_WEBHOOK_RETRY_SCHEDULE`, attempt log).
- `events`: listing events and attempts, replay.

See docs/triggers.md for the model and the guarantees.
"""
