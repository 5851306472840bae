"""RFC 822 messages as the Gmail emulator reads and writes them, with Python's `email` package.

`parse` reads what a client sends; `prepare_outgoing` adds what Gmail adds on
send (``From`` of the account, ``Date``, ``Message-ID``); `part_resource`
renders Gmail's ``MessagePart`` tree (bodies base64url, attachments by id);
the small helpers feed search and threading.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import formatdate, getaddresses, make_msgid

SNIPPET_LENGTH = 200
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw)\s*:\s*)+", re.IGNORECASE)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def from_b64url(text: str) -> bytes:
    """Decode base64url (padding optional); standard base64 is accepted too, as Gmail does."""
    cleaned = re.sub(r"\s", "", text).replace("+", "-").replace("/", "_")
    return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def payload(part: MIMEPart) -> bytes:
    """A leaf part's body, transfer-decoded; empty for a multipart (``get_payload`` gives None then)."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def build(
    sender: str,
    to: list[str],
    subject: str,
    body: str,
    *,
    html: bool = False,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> bytes:
    """A message as a mail client would write it (used for seed data)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, ", ".join(to), subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.split("@")[-1])
    message.set_content(body, subtype="html" if html else "plain")
    for filename, mime_type, data in attachments:
        maintype, _, subtype = mime_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
    return message.as_bytes()


def prepare_outgoing(raw: bytes, sender: str) -> bytes:
    """The message as Gmail files it in SENT: the account's From, a Date and a Message-ID."""
    message = parse(raw)
    if "From" in message:
        del message["From"]
    message["From"] = sender
    if "Date" not in message:
        message["Date"] = formatdate(localtime=False)
    if "Message-ID" not in message:
        message["Message-ID"] = make_msgid(domain="mail.gmail.com")
    return message.as_bytes()


def without_bcc(raw: bytes) -> bytes:
    message = parse(raw)
    del message["Bcc"]
    return message.as_bytes()


def addresses(message: EmailMessage, *headers: str) -> list[str]:
    values = [str(v) for name in headers for v in message.get_all(name, [])]
    return [address.lower() for _, address in getaddresses(values) if address]


def recipients(message: EmailMessage) -> list[str]:
    return list(dict.fromkeys(addresses(message, "To", "Cc", "Bcc")))


def message_id(message: EmailMessage) -> str:
    return str(message.get("Message-ID", "")).strip()


def referenced_ids(message: EmailMessage) -> set[str]:
    text = f"{message.get('In-Reply-To', '')} {message.get('References', '')}"
    return set(re.findall(r"<[^>]+>", text))


def base_subject(message: EmailMessage) -> str:
    return _REPLY_PREFIX.sub("", str(message.get("Subject", ""))).strip().lower()


def header(message: EmailMessage, name: str) -> str:
    return str(message.get(name, ""))


def text_body(message: EmailMessage) -> str:
    """The readable text: the text/plain body, else the text/html body without tags."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        content = html.unescape(re.sub(r"<[^>]+>", " ", content))
    return content


def snippet(message: EmailMessage) -> str:
    return re.sub(r"\s+", " ", text_body(message)).strip()[:SNIPPET_LENGTH]


def attachment_id(message_id_: str, part_id: str) -> str:
    return "ANGjdJ" + b64url(f"{message_id_}:{part_id}".encode())


def attachments(message: EmailMessage, message_id_: str) -> list[dict]:
    """Every part with a filename: ``{"partId", "filename", "mimeType", "attachmentId", "data"}``."""
    found = []
    for part_id, part in walk(message):
        if part.get_filename():
            found.append(
                {
                    "partId": part_id,
                    "filename": part.get_filename(),
                    "mimeType": part.get_content_type(),
                    "attachmentId": attachment_id(message_id_, part_id),
                    "data": payload(part),
                }
            )
    return found


def walk(part: MIMEPart, part_id: str = "") -> list[tuple[str, MIMEPart]]:
    """(partId, part) for the part and every descendant; Gmail numbers children 0, 1, 1.0..."""
    out = [(part_id, part)]
    if part.is_multipart():
        for index, child in enumerate(part.iter_parts()):
            out += walk(child, f"{part_id}.{index}" if part_id else str(index))
    return out


def part_resource(part: MIMEPart, message_id_: str, part_id: str = "", *, bodies: bool = True) -> dict:
    """Gmail's ``MessagePart``: headers, mime type, body (inline data or an attachment id), sub-parts."""
    resource: dict = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": part.get_filename() or "",
        "headers": [{"name": name, "value": str(value)} for name, value in part.items()],
    }
    if part.is_multipart():
        resource["body"] = {"size": 0}
        resource["parts"] = [
            part_resource(child, message_id_, f"{part_id}.{i}" if part_id else str(i), bodies=bodies)
            for i, child in enumerate(part.iter_parts())
        ]
        return resource
    data = payload(part)
    if part.get_filename():
        resource["body"] = {"attachmentId": attachment_id(message_id_, part_id), "size": len(data)}
    else:
        resource["body"] = {"size": len(data), **({"data": b64url(data)} if bodies and data else {})}
    return resource
