"""Structured JSON logs on stderr, each line carrying the request id."""

import logging.config


def configure_logging(level: str) -> None:
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {
                "request_id": {
                    "()": "asgi_correlation_id.CorrelationIdFilter",
                    "uuid_length": 32,
                    "default_value": None,
                }
            },
            "formatters": {
                "json": {
                    "()": "pythonjsonlogger.orjson.OrjsonFormatter",
                    "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
                    "rename_fields": {"correlation_id": "request_id", "levelname": "level"},
                }
            },
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "filters": ["request_id"],
                    "formatter": "json",
                }
            },
            "root": {"handlers": ["stderr"], "level": level},
            "loggers": {
                name: {"handlers": ["stderr"], "level": level, "propagate": False}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
        }
    )
