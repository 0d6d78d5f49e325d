"""Errors that carry a stable snake_case ``code`` and their data.

The domain knows nothing of HTTP: the API maps each class to a status in one table
(``backorder.api.errors``). Every error raised before a commit means nothing was written.
"""

from __future__ import annotations

from typing import Any


class BackorderError(Exception):
    """Base of every refusal the service can give; ``details`` is machine-readable."""

    code = "error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}


class InvalidInputError(BackorderError):
    """The request is well-formed JSON but breaks a rule (e.g. a zero adjustment)."""

    code = "validation_error"


class NotFoundError(BackorderError):
    """A referenced product, customer, order or line does not exist."""

    code = "not_found"

    def __init__(self, resource: str, key: object) -> None:
        super().__init__(f"{resource} {key!r} not found", details={"resource": resource, "id": key})


class OutOfStockError(BackorderError):
    """An order needs more than a product may give: a ``deny`` line or a backorder cap.

    ``shortages`` lists every offending line at once, so a storefront can fix the whole
    cart in one round trip.
    """

    code = "out_of_stock"

    def __init__(self, shortages: list[dict[str, Any]]) -> None:
        skus = ", ".join(str(s["sku"]) for s in shortages)
        super().__init__(
            f"not enough stock for {skus}; lower the quantity or remove the line",
            details={"lines": shortages},
        )


class ConflictError(BackorderError):
    """The request is valid but the state forbids it (cancelling shipped units, ...)."""

    code = "conflict"


class UnauthorizedError(BackorderError):
    """No API key, or one that is unknown or revoked."""

    code = "unauthorized"


class ForbiddenError(BackorderError):
    """The API key's role may not do this."""

    code = "forbidden"
