"""Services raise Django's ValidationError; the API answers it as a 400 with field errors
in the standard error body."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.handler import ExceptionHandler as StandardizedExceptionHandler
from rest_framework import exceptions, status

# PATCH for partial updates; PUT is not offered.
WRITE_METHODS = ["get", "post", "patch", "delete", "head", "options"]


def as_drf_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as DRF's, with its fields."""
    if hasattr(exc, "error_dict"):
        errors = exc.message_dict
        # Model-level (constraint) errors come as "__all__"; DRF's name for them is this.
        if NON_FIELD_ERRORS in errors:
            errors["non_field_errors"] = errors.pop(NON_FIELD_ERRORS)
        return exceptions.ValidationError(errors)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


@contextmanager
def service_errors() -> Iterator[None]:
    """Run a service call; its ValidationError becomes a 400."""
    try:
        yield
    except DjangoValidationError as exc:
        raise as_drf_error(exc) from exc


def refuse_change(instance: Any, data: dict[str, Any], name: str) -> None:
    """A record belongs to the parent it was created under (its billing and audit trail
    follow that parent); moving it is refused rather than silently ignored."""
    if name in data and data.pop(name) != getattr(instance, name):
        raise exceptions.ValidationError({name: f"The {name} cannot be changed; create a new one."})


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than the server accepts."
    default_code = "request_too_large"


class ExceptionHandler(StandardizedExceptionHandler):
    """drf-standardized-errors' handler (the API's one error body), naming what DRF leaves
    unhandled: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django raises it while DRF reads
    the body) is a 413, not a 500. Plugged in through the package's own
    EXCEPTION_HANDLER_CLASS setting, so its schema generator still documents every error
    response (it documents none for a view whose handler is another function)."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, RequestDataTooBig):
            return RequestTooLarge()
        return super().convert_known_exceptions(exc)
