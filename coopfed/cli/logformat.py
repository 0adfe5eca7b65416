"""Log lines for operators: text or one JSON object per line, a timestamp on every line.

`logging.format = json` feeds log shippers (journald, Loki, …) without a parser: keys `ts`
(RFC 3339, UTC), `level`, `logger`, `message`, and `exc` when there is a traceback. uvicorn's
access and error lines go through the same handler (serve passes this config to uvicorn, which
applies it in every web process), so access lines carry timestamps too.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def logging_config(log_format: str, level: int) -> dict[str, Any]:
    """A `logging.config.dictConfig` dict: one stderr handler on the root; uvicorn's loggers
    hand their lines to it instead of printing their own (timestamp-less) ones."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    uvicorn = {"handlers": [], "propagate": True, "level": "INFO"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"node": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "node",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": logging.getLevelName(level)},
        "loggers": {
            "uvicorn": uvicorn,
            "uvicorn.error": uvicorn,
            "uvicorn.access": uvicorn,
        },
    }
