"""Log records as tests read them."""

from __future__ import annotations

import logging


class Captured(logging.Handler):
    """Collects valetkey.vault records directly (the app's logging config stops propagation to caplog)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.records]
