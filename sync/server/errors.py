"""The one error type of the service layer: an HTTP status, a short code and a clear sentence."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        expected_counter: int | None = None,
        detail: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.expected_counter = expected_counter
        self.detail = detail


def unauthorised(message: str) -> ServiceError:
    return ServiceError(401, "unauthorised", message)


def not_found(message: str) -> ServiceError:
    return ServiceError(404, "not_found", message)
