# Kept apart from core.api.viewsets: DRF imports settings-named classes while it is still
# loading its own modules, so this file must not import rest_framework.viewsets.
"""Keyset (cursor) pagination for every API list.

A page is "the first `page_size` rows after this position in the list's ordering": the
cursor carries the values of every ordering column of the row it continues from, the
primary key included as the last tie-breaker, so a position is exact (no offsets, no
rows skipped or repeated when two share a timestamp) and the query is a range read of
the index that matches the ordering, whatever the depth. There is no COUNT(*): a page
costs the same at 200 rows as at 100,000.

NULLs follow PostgreSQL's default order (larger than every value: last ascending, first
descending), which is what `order_by()` gives, so nullable columns (an invoice's number
or due date) page exactly too.

A cursor is not a secret: it is the position of a row the caller could already see, in
base64 JSON. A forged one can only name a position in the caller's own workspace (the
queryset is already the tenant's); an unreadable one, or one made for another ordering,
is a 400 naming `cursor`."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import BooleanField, F, Func, Q, Value
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

# One column of the ordering: its field, whether it descends, whether it may be NULL.
Column = tuple["models.Field[Any, Any]", bool, bool]


class Pagination(pagination.CursorPagination):
    """Pages of 50 by default; `page_size` from 1 to 500, anything else a 400 naming the
    parameter (never silently clamped or ignored). The answer is `{"next", "previous",
    "results"}`; `next`/`previous` are the URLs of the neighbouring pages, null at the
    ends."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering: tuple[str, ...] = (
        "-pk",
    )  # only where neither the view, the query nor the model orders
    invalid_cursor_message = "Not a cursor of this list: follow `next` or `previous`."
    template = None  # the browsable API's page controls would assume DRF's own cursor

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return size

    # -- the ordering ---------------------------------------------------------------

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        """The list's ordering as it is served: `?ordering=` when the view allows it,
        else the view's or the queryset's or the model's default; always ending in the
        primary key (in the first column's direction, as the tenant indexes are built),
        so every position is unique."""
        chosen: list[str] = []
        for backend in getattr(view, "filter_backends", []):
            if hasattr(backend, "get_ordering"):
                chosen = list(backend().get_ordering(request, queryset, view) or [])
                break
        if not chosen:
            chosen = [str(o) for o in queryset.query.order_by or queryset.model._meta.ordering]
        if not chosen:
            chosen = list(self.ordering)
        names: list[str] = []
        for term in chosen:
            bare = term.lstrip("-")
            bare = "pk" if bare == queryset.model._meta.pk.name else bare
            if bare not in {n.lstrip("-") for n in names}:
                names.append(("-" if term.startswith("-") else "") + bare)
            if bare == "pk":  # unique: whatever follows it never decides anything
                return tuple(names)
        names.append("-pk" if names and names[0].startswith("-") else "pk")
        return tuple(names)

    def _columns(self, model: type[models.Model]) -> list[Column]:
        columns: list[Column] = []
        for term in self.ordering:
            name = term.lstrip("-")
            try:
                field = model._meta.pk if name == "pk" else model._meta.get_field(name)
            except FieldDoesNotExist as exc:  # a programming error: say which
                raise ImproperlyOrdered(f"{model.__name__} cannot page on {term!r}") from exc
            columns.append((field, term.startswith("-"), bool(field.null)))  # type: ignore[arg-type]
        return columns

    # -- the page ---------------------------------------------------------------------

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        columns = self._columns(queryset.model)
        position, reverse = self._decode(request, columns)

        # Walking backwards is walking forwards in the opposite direction (NULLs, being
        # the largest values, flip ends with it), then turning the page round.
        direction = [(field, desc != reverse, null) for field, desc, null in columns]
        queryset = queryset.order_by(*[_order_term(f, d) for f, d, _ in direction])
        if position is not None:
            queryset = queryset.filter(_after(direction, position))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        page = rows[: self.page_size]
        if reverse:
            page.reverse()
        self.page = page
        # values_list() rows are tuples in the order of the query's fields.
        names = list(getattr(queryset, "_fields", None) or [])
        self._positions = [self._position_of(row, columns, names) for row in (page[:1] + page[-1:])]
        # Forward: a next page when a row followed; a previous one when we came from one.
        # Backward: the mirror image.
        self.has_next = more if not reverse else position is not None
        self.has_previous = (position is not None) if not reverse else more
        return page

    def _position_of(self, row: Any, columns: list[Column], names: list[str]) -> list[Any]:
        """The row's values of the ordering columns: a model instance, a values() dict or
        a values_list() tuple (which must include them: a programming error if not)."""
        values = []
        for field, _, _ in columns:
            if isinstance(row, tuple):
                key = field.attname if field.attname in names else "pk"
                values.append(row[names.index(key)])
            elif isinstance(row, dict):
                key = field.attname if field.attname in row else "pk"
                values.append(row[key])
            else:
                values.append(getattr(row, field.attname))
        return values

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        return self._link(self._positions[-1], reverse=False)

    def get_previous_link(self) -> str | None:
        if not self.has_previous or not self.page:
            return None
        return self._link(self._positions[0], reverse=True)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    # -- the cursor -------------------------------------------------------------------

    def _link(self, position: list[Any], *, reverse: bool) -> str:
        body: dict[str, Any] = {"o": list(self.ordering), "p": [_dump(v) for v in position]}
        if reverse:
            body["r"] = 1
        raw = json.dumps(body, separators=(",", ":")).encode()
        token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return replace_query_param(self.base_url or "", self.cursor_query_param, token)

    def _decode(self, request: Request, columns: list[Column]) -> tuple[list[Any] | None, bool]:
        token = request.query_params.get(self.cursor_query_param)
        if token is None:
            return None, False
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
            body = json.loads(raw)
            if not isinstance(body, dict) or body.get("o") != list(self.ordering):
                raise ValueError("made for another ordering")
            values = body["p"]
            if not isinstance(values, list) or len(values) != len(columns):
                raise ValueError("wrong length")
            position = [
                None if v is None else field.to_python(_load(v))
                for (field, _, null), v in zip(columns, values, strict=True)
                if v is not None or null
            ]
            if len(position) != len(columns):
                raise ValueError("NULL where the column has none")
            reverse = body.get("r", 0)
            if reverse not in (0, 1):
                raise ValueError("direction")
        except (ValueError, TypeError, KeyError, binascii.Error, DjangoValidationError):
            # (UnicodeError is a ValueError.)
            raise ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None
        for (field, _, _), value in zip(columns, position, strict=True):
            _check_range(field, value, self.cursor_query_param, self.invalid_cursor_message)
        return position, bool(reverse)

    # -- the schema -------------------------------------------------------------------

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "Where the page starts: take it from `next` or `previous`, never build it."
                )
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next page; null on the last."},
                "previous": {**link, "description": "The previous page; null on the first."},
                "results": schema,
            },
        }


class ImproperlyOrdered(Exception):
    """A view orders its list by something that is not a column of its model."""


def _order_term(field: models.Field[Any, Any], desc: bool) -> str:
    # The column itself: ordering by a foreign key's name would follow its model's order.
    return f"-{field.attname}" if desc else field.attname


class RowAfter(Func):
    """`(a, b, …) < (x, y, …)` (`>` ascending): PostgreSQL's row comparison, which an index
    on (a DESC, b DESC) answers as one range. Only for columns that all go one way and
    are never NULL (a row with a NULL compares as unknown)."""

    output_field = BooleanField()

    def __init__(self, direction: list[Column], position: list[Any]) -> None:
        columns = [F(field.attname) for field, _, _ in direction]
        values = [
            Value(v, output_field=f) for (f, _, _), v in zip(direction, position, strict=True)
        ]
        super().__init__(*columns, *values)
        self.width, self.operator = len(direction), "<" if direction[0][1] else ">"

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        parts: list[str] = []
        params: list[Any] = []
        for expression in self.get_source_expressions():
            sql, more = compiler.compile(expression)
            parts.append(sql)
            params.extend(more)
        left, right = ", ".join(parts[: self.width]), ", ".join(parts[self.width :])
        return f"({left}) {self.operator} ({right})", tuple(params)


def _after(direction: list[Column], position: list[Any]) -> Q | RowAfter:
    """Rows strictly after `position` in this ordering, NULL being the largest value:
    (a after x) or (a = x and ((b after y) or (b = y and …))). The first column's bound
    is repeated outside the OR where it holds, so PostgreSQL starts its index scan there
    instead of reading from the top of the workspace and filtering. The common case (one
    direction, no NULLs: every default ordering) is a row comparison instead."""
    if len({desc for _, desc, _ in direction}) == 1 and not any(n for _, _, n in direction):
        return RowAfter(direction, position)
    condition: Q | None = None
    for (field, desc, _), value in reversed(list(zip(direction, position, strict=True))):
        name = field.attname
        beyond: Q | None
        if value is None:
            equal = Q(**{f"{name}__isnull": True})
            beyond = Q(**{f"{name}__isnull": False}) if desc else None
        else:
            equal = Q(**{name: value})
            beyond = Q(**{f"{name}__{'lt' if desc else 'gt'}": value})
            if not desc and field.null:
                beyond |= Q(**{f"{name}__isnull": True})
        tail = equal & condition if condition is not None else None
        # Never both None: only the last column (the key, never NULL) has no tail.
        options = [q for q in (beyond, tail) if q is not None]
        condition = options[0] if len(options) == 1 else options[0] | options[1]
    assert condition is not None
    field, desc, _ = direction[0]
    if position[0] is not None and (desc or not field.null):
        condition &= Q(**{f"{field.attname}__{'lte' if desc else 'gte'}": position[0]})
    return condition


def _dump(value: Any) -> Any:
    """A column value as JSON that `_load` + the field's `to_python` read back exactly."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (Decimal, dt.timedelta)):
        return str(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def _load(value: Any) -> Any:
    if isinstance(value, (str, int, bool)):
        return value
    raise ValueError("not a position value")


def _check_range(field: models.Field[Any, Any], value: Any, name: str, message: str) -> None:
    """A forged position PostgreSQL cannot compare (an integer past bigint, a decimal
    past the column's digits) is the caller's 400, not the database's 500."""
    if value is None:
        return
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise ValidationError({name: [message]})
    if isinstance(value, Decimal) and (not value.is_finite() or abs(value) >= Decimal(10) ** 40):
        raise ValidationError({name: [message]})
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        raise ValidationError({name: [message]})
    if isinstance(value, str) and "\x00" in value:  # PostgreSQL refuses NUL in text
        raise ValidationError({name: [message]})
