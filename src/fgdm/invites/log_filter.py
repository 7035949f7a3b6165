"""Keeps invite tokens out of the server's logs: a link like /join/<token> is logged as
/join/[hidden], so a log file never holds a link that still works."""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"/join/[^/?#\s\"]+")
HIDDEN = "/join/[hidden]"
ACCESS_LOGGERS = ("uvicorn.access",)


class HideInviteTokens(logging.Filter):
    """Rewrites invite links in a log record's message and arguments; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = TOKEN_IN_PATH.sub(HIDDEN, record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                TOKEN_IN_PATH.sub(HIDDEN, arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def install() -> None:
    """Adds the filter to the access logs (once, however many apps are built)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, HideInviteTokens) for f in logger.filters):
            logger.addFilter(HideInviteTokens())
