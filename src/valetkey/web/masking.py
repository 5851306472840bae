"""Masking what the dashboard shows of a tool call: values under secret-looking names.

Execution logs already hold no credential (`execution.logs` removes every
credential it placed, and any echo of one); this is the second line for the
playground, where arguments and results are shown as the operator typed and
the tool returned them: a value under a name like ``token`` or ``password``
is masked (`vault.mask_secret`), however deep.
"""

from __future__ import annotations

import re
from typing import Any

from valetkey.vault import mask_secret

SECRET_NAME = re.compile(
    r"(pass(word|wd)?|secret|token|api[_-]?key|apikey|authorization|cookie|credential|private[_-]?key|signature)",
    re.IGNORECASE,
)


def mask_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (mask_secret(v) if isinstance(v, str) and SECRET_NAME.search(str(k)) else mask_secrets(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value
