"""``users.labels`` of the Gmail API: system labels plus the user's own (``Label_N``)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.apps._google import GoogleApi, GoogleCall, GoogleError, invalid, not_found

from . import render
from .kit import API, LABEL_READ, LABEL_WRITE, mailbox
from .state import Label, Mailbox

MESSAGE_VISIBILITY = ("show", "hide")
LABEL_VISIBILITY = ("labelShow", "labelShowIfUnread", "labelHide")


def label_of(box: Mailbox, label_id: str) -> Label:
    found = box.labels.get(label_id)
    if found is None:
        raise not_found()
    return found


def list_labels(call: GoogleCall) -> Response:
    return call.reply({"labels": [render.label(label) for label in mailbox(call).labels.values()]})


def get_label(call: GoogleCall) -> Response:
    box = mailbox(call)
    return call.reply(render.label(label_of(box, call.params["id"]), box))


def create_label(call: GoogleCall) -> Response:
    box = mailbox(call)
    name = call.body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("Invalid label name")
    if any(label.name.lower() == name.strip().lower() for label in box.labels.values()):
        raise GoogleError(409, "Label name exists or conflicts", reason="conflict", status="ALREADY_EXISTS")
    message_visibility = call.body.get("messageListVisibility", "show")
    label_visibility = call.body.get("labelListVisibility", "labelShow")
    if message_visibility not in MESSAGE_VISIBILITY or label_visibility not in LABEL_VISIBILITY:
        raise invalid("Invalid label visibility")
    color = call.body.get("color")
    if color is not None and not (isinstance(color, dict) and {"textColor", "backgroundColor"} <= set(color)):
        raise invalid("Invalid label color: both textColor and backgroundColor are required")
    label = Label(
        f"Label_{box.next_label}",
        name.strip(),
        "user",
        message_visibility,
        label_visibility,
        {"textColor": color["textColor"], "backgroundColor": color["backgroundColor"]} if color else None,
    )
    box.next_label += 1
    box.labels[label.id] = label
    return call.reply(render.label(label))


def delete_label(call: GoogleCall) -> Response:
    box = mailbox(call)
    label = label_of(box, call.params["id"])
    if label.type == "system":
        raise invalid("Invalid delete request")
    del box.labels[label.id]
    for message in box.messages.values():
        message.remove(label.id)
    return call.reply(None)


def routes(api: GoogleApi) -> list[Route]:
    labels = f"{API}/labels"
    return [
        api.route("GET", labels, list_labels, scopes=LABEL_READ),
        api.route("POST", labels, create_label, scopes=LABEL_WRITE),
        api.route("GET", f"{labels}/{{id}}", get_label, scopes=LABEL_READ),
        api.route("DELETE", f"{labels}/{{id}}", delete_label, scopes=LABEL_WRITE),
    ]
