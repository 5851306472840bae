"""Trigger instances: a trigger type listening on one connected account, and the events it turns into.

Above connections, execution and toolkits (it registers hooks with the
account's credentials through the execution layer's connection), below the
HTTP layer. Events leave through `valetkey.webhooks.outbox.publish`.

- `instances`: upsert, list, enable/disable, delete, health (`/trigger_instances`).
- `providers`: one module per app behind one seam (`providers.base`): register
  and deregister at the provider, verify and parse ingress, or poll.
- `ingress`: a provider's request to its instance's URL, verified, deduplicated,
  published in the transaction that records it.
- `polling`: the poll scheduler (leases, cadence, watermarks).
- `lifecycle`: triggers follow their account (EXPIRED disables, ACTIVE resumes).

docs/triggers.md is the reader's guide.
"""
