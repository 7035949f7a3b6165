"""Structured logs: one JSON object per line with the request id, for an on-call engineer,
and nothing personal in them. A request is logged by method, path (invite tokens hidden,
no query string) and status, never by what was sent; an error by its type and where it
happened, never by its message (a database error's message carries the values of the
row, which are families' details). Client addresses stay out too: the audit log keeps
them where they are needed."""

from __future__ import annotations

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from fgdm.invites.log_filter import HIDDEN, TOKEN_IN_PATH

REQUEST_ID: ContextVar[str] = ContextVar("fgdm_request_id", default="")
# The only extra fields a log line may carry (anything else given as `extra` is dropped).
SAFE_FIELDS = ("method", "path", "status", "duration_ms")
request_log = logging.getLogger("fgdm.request")


def loggable_path(path: str) -> str:
    """A request path fit for the log: invite tokens hidden, and capped in length."""
    return TOKEN_IN_PATH.sub(HIDDEN, path)[:300]


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON: time, level, logger, message, request id, the
    safe fields, and for an error its type and stack (file, line, function) only."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": TOKEN_IN_PATH.sub(HIDDEN, record.getMessage()),
            "request_id": getattr(record, "request_id", "") or REQUEST_ID.get(),
        }
        for name in SAFE_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["error_type"] = f"{type(error).__module__}.{type(error).__qualname__}"
            entry["stack"] = [
                f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(error.__traceback__)
            ][-12:]
        return json.dumps(entry, ensure_ascii=False)


def log_config(level: str = "INFO") -> dict[str, Any]:
    """The logging set-up for `fgdm serve` (uvicorn applies it in every worker): JSON to
    standard error, and uvicorn's own access log off (the app logs each request itself,
    without the client's address)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "fgdm.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "fgdm": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }


def log_request(*, method: str, path: str, status: int, duration_ms: float) -> None:
    """One line per request; static files only at debug level."""
    level = logging.DEBUG if path.startswith("/static/") else logging.INFO
    request_log.log(
        level,
        "request",
        extra={
            "method": method,
            "path": loggable_path(path),
            "status": status,
            "duration_ms": round(duration_ms, 1),
        },
    )
