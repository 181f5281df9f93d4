"""`desaplan serve`: the service under uvicorn."""

from __future__ import annotations

import copy
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from app.main import create_app


def log_config() -> dict[str, Any]:
    """Uvicorn's logging, with our loggers (jobs, correlation ids of 5xx) on the same stream."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["desaplan"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    uvicorn.run(create_app(), host=host, port=port, log_config=log_config())
