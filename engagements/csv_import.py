"""CSV import of clients and time entries, and the templates people fill in.

Imports are all or nothing: every row is parsed and validated first (the same model
validation the forms and `engagements.services` apply), every problem is reported by row
and column, and only a file without a single problem is saved — in one transaction, with
`bulk_create`, and one audit entry summarising it. Row numbers count the header as row 1,
as a spreadsheet shows them.

Set-based on purpose: lookups that a per-row service call would repeat (existing client
names, the workspace's engagements and members, what invoices freeze) are read once
per file, so 10,000 rows cost a handful of queries, not tens of thousands.

A cell the export guarded against formula injection (a leading single quote, see
`engagements.csv_export`) is unguarded here, so a round trip is lossless."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from accounts.models import Membership, User, Workspace
from accounts.services import audit_record
from core import csvtools
from core.csvtools import unguard_cell
from core.currencies import CURRENCY_CHOICES
from engagements import services
from engagements.active_days import active_days_for
from engagements.csv_columns import CLIENT_COLUMNS, HEADER_ALIASES, TIME_COLUMNS, Column, hours_text
from engagements.frozen import freezes_of
from engagements.models import Client, Engagement, TimeEntry

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_REPORTED_ERRORS = 500  # past this, the file is clearly not what was meant

TRUE_WORDS = {"yes", "y", "true", "1"}
FALSE_WORDS = {"no", "n", "false", "0"}
CURRENCIES = {code for code, _ in CURRENCY_CHOICES}


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str  # "" for a problem with the whole row or file
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return (
            f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class ImportRejected(ValidationError):
    """Nothing was saved; `row_errors` says why, row by row."""

    def __init__(self, row_errors: list[RowError], total: int | None = None):
        self.row_errors = row_errors
        self.total_errors = total if total is not None else len(row_errors)
        super().__init__([str(e) for e in row_errors])


@dataclass
class ImportResult:
    created: int
    ignored_columns: list[str] = field(default_factory=list)


# --- Reading --------------------------------------------------------------------------------
def _normalise_headers(header: list[str]) -> list[str]:
    """Lower case, spaces and hyphens as underscores; an alias counts only where the
    column's own name is absent (an export has both `engagement_id` and `engagement`)."""
    keys = [re.sub(r"[\s\-]+", "_", name.strip().lower()) for name in header]
    return [
        HEADER_ALIASES[key] if key in HEADER_ALIASES and HEADER_ALIASES[key] not in keys else key
        for key in keys
    ]


@dataclass
class _Table:
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, column → stripped text)
    columns: set[str]
    ignored: list[str]


def _read(upload, columns: list[Column]) -> _Table:
    """Decode, check the caps and the header, and return the non-blank rows."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ImportRejected([RowError(0, "", f"The file is larger than {_mb(MAX_BYTES)}.")])
    raw = upload.read(MAX_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    if len(raw) > MAX_BYTES:
        raise ImportRejected([RowError(0, "", f"The file is larger than {_mb(MAX_BYTES)}.")])
    try:
        text = raw.decode("utf-8-sig")  # with or without a byte-order mark
    except UnicodeDecodeError:
        raise ImportRejected(
            [RowError(0, "", "The file is not UTF-8 text. Save it as “CSV UTF-8” and retry.")]
        ) from None
    if "\x00" in text:
        raise ImportRejected([RowError(0, "", "This is not a CSV file.")])

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise ImportRejected(
                [RowError(1, "", "The file is empty: the first row must name the columns.")]
            )
        names = _normalise_headers(header)
        known = {c.name for c in columns}
        errors = [
            RowError(1, name, "This column appears twice.")
            for name in sorted({n for n in names if n and names.count(n) > 1})
        ]
        missing = [c.name for c in columns if c.required and c.name not in names]
        errors += [RowError(1, name, "This column is missing.") for name in missing]
        if errors:
            raise ImportRejected(errors)

        rows: list[tuple[int, dict[str, str]]] = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines (spreadsheets like to add them at the end)
            if len(rows) >= MAX_ROWS:
                raise ImportRejected(
                    [RowError(0, "", f"The file has more than {MAX_ROWS:,} rows: split it up.")]
                )
            values = {}
            for index, name in enumerate(names):
                if name in known:
                    values[name] = unguard_cell(cells[index].strip()) if index < len(cells) else ""
            if len(cells) > len(names) and any(c.strip() for c in cells[len(names) :]):
                values["__extra__"] = "1"
            rows.append((number, values))
    except csv.Error as exc:
        raise ImportRejected([RowError(reader.line_num, "", f"Unreadable CSV: {exc}.")]) from None
    if not rows:
        raise ImportRejected([RowError(0, "", "The file has a header but no rows.")])
    ignored = [h.strip() for h, n in zip(header, names, strict=True) if n and n not in known]
    return _Table(rows=rows, columns=set(names) & known, ignored=ignored)


def _mb(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


class _Collector:
    """Row errors, capped so a wrong file does not produce a megabyte of messages."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.total = 0

    def add(self, row: int, column: str, message: str) -> None:
        self.total += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, message))

    def add_validation(self, row: int, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.add(row, "" if name == "__all__" else name, message)
        else:
            for message in exc.messages:
                self.add(row, "", message)

    def raise_if_any(self) -> None:
        if self.total:
            # By row (a file may be checked in more than one pass), in order within a row.
            raise ImportRejected(sorted(self.errors, key=lambda e: e.row), self.total)


def _check_extra(values: dict, row: int, errors: _Collector) -> None:
    if values.pop("__extra__", None):
        errors.add(row, "", "This row has more cells than the header has columns.")


# --- Clients --------------------------------------------------------------------------------
def _country_code(value: str) -> str | None:
    from django_countries import countries

    if not value:
        return ""
    if len(value) == 2 and countries.alpha2(value.upper()):
        return value.upper()
    return countries.by_name(value) or None


@transaction.atomic
def clients_import(*, workspace: Workspace, actor: User, upload) -> ImportResult:
    """Create every client of the file, or none."""
    table = _read(upload, CLIENT_COLUMNS)
    errors = _Collector()
    existing = set(
        Client.objects.filter(workspace=workspace)
        .annotate(key=Lower("name"))
        .values_list("key", flat=True)
    )
    seen: dict[str, int] = {}
    clients: list[Client] = []
    for row, values in table.rows:
        _check_extra(values, row, errors)
        before = errors.total
        data: dict = {c.name: values.get(c.name, "") for c in CLIENT_COLUMNS}
        reported: set[str] = set()  # fields already reported in our own words

        currency = data["currency"].upper() or workspace.base_currency
        if currency not in CURRENCIES:
            errors.add(row, "currency", f"'{data['currency']}' is not a currency.")
            reported.add("currency")
        data["currency"] = currency

        terms = data["payment_terms_days"]
        data["payment_terms_days"] = int(terms) if terms.isdigit() else None
        if terms and not terms.isdigit():
            errors.add(row, "payment_terms_days", f"'{terms}' is not a whole number of days.")
            reported.add("payment_terms_days")

        country = _country_code(data["country"])
        if country is None:
            errors.add(row, "country", f"'{data['country']}' is not a country.")
            reported.add("country")
        data["country"] = country or ""

        key = data["name"].lower()
        if key in existing:
            errors.add(row, "name", f"A client named '{data['name']}' already exists.")
            reported.add("name")
        elif key in seen:
            errors.add(row, "name", f"'{data['name']}' is already on row {seen[key]}.")
            reported.add("name")
        elif key:
            seen[key] = row

        client = Client(workspace=workspace, **data)
        try:
            # The unique-name constraint was checked above against one read of the names
            # (the database enforces it again at insert time), hence no per-row query.
            # Currency and country were checked above against the same choices: Django
            # re-normalises choices on every validate, which made 10,000 rows take 6 s.
            client.full_clean(
                exclude=["workspace", "currency", "country", *reported],
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors.add_validation(row, exc)
        if errors.total == before:
            clients.append(client)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            Client.objects.bulk_create(clients, batch_size=1000)
    except IntegrityError as exc:
        raise ImportRejected(
            [RowError(0, "name", "A client with one of these names was added meanwhile: retry.")]
        ) from exc
    audit_record(
        workspace=workspace,
        actor=actor,
        action="client.import",
        details={"count": len(clients), "file": getattr(upload, "name", "")},
    )
    return ImportResult(created=len(clients), ignored_columns=table.ignored)


# --- Time entries ---------------------------------------------------------------------------
def _parse_minutes(values: dict, row: int, errors: _Collector) -> int | None:
    minutes, hours = values.get("minutes", ""), values.get("hours", "")
    if not minutes and not hours:
        errors.add(row, "minutes", "Give the minutes (or the hours) worked.")
        return None
    if minutes:
        if not minutes.isdigit():
            errors.add(row, "minutes", f"'{minutes}' is not a whole number of minutes.")
            return None
        # Both given (as the export writes them): fine when they agree, to the hundredth.
        if hours and hours_text(int(minutes)) != _hours_text_of(hours):
            errors.add(row, "hours", f"{hours} hours is not {minutes} minutes: give one of them.")
            return None
        return int(minutes)
    match = re.fullmatch(r"(\d+):([0-5]\d)", hours)
    if match:
        return int(match[1]) * 60 + int(match[2])
    try:
        amount = Decimal(hours.replace(",", "."))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        errors.add(row, "hours", f"'{hours}' is not a number of hours (1.5 or 1:30).")
        return None
    return int((amount * 60).to_integral_value(rounding=ROUND_HALF_UP))


def _hours_text_of(hours: str) -> str | None:
    try:
        return str(Decimal(hours.replace(",", ".")).quantize(Decimal("0.01")))
    except InvalidOperation:
        return None


def _parse_bool(value: str, row: int, errors: _Collector) -> bool | None:
    word = value.lower()
    if word == "" or word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    errors.add(row, "billable", f"'{value}' is not yes/no, true/false or 1/0.")
    return None


def _parse_date(value: str, row: int, errors: _Collector) -> dt.date | None:
    if not value:
        errors.add(row, "date", "The date is missing.")
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.add(row, "date", f"'{value}' is not a date: use YYYY-MM-DD.")
        return None


class _EngagementIndex:
    """The workspace's engagements by id and by case-insensitive name (one query)."""

    def __init__(self, workspace: Workspace):
        self.by_id: dict[int, Engagement] = {}
        self.by_name: dict[str, list[Engagement]] = {}
        for engagement in Engagement.objects.filter(workspace=workspace):
            self.by_id[engagement.pk] = engagement
            self.by_name.setdefault(engagement.name.strip().lower(), []).append(engagement)

    def find(self, value: str, row: int, errors: _Collector) -> Engagement | None:
        if not value:
            errors.add(row, "engagement", "The engagement is missing.")
            return None
        named = self.by_name.get(value.lower(), [])
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            ids = ", ".join(str(e.pk) for e in named)
            errors.add(
                row,
                "engagement",
                f"{len(named)} engagements are named '{value}': use the id ({ids}).",
            )
            return None
        if value.isdigit() and int(value) in self.by_id:
            return self.by_id[int(value)]
        # Another workspace's engagement is exactly as unknown as one that never existed.
        errors.add(row, "engagement", f"No such engagement: '{value}'.")
        return None


@dataclass
class _TimeRow:
    row: int
    engagement: Engagement | None
    day: dt.date | None
    minutes: int | None
    billable: bool | None
    user_id: int
    description: str
    ok: bool  # no problem found while parsing


@transaction.atomic
def time_entries_import(*, workspace: Workspace, actor: User, upload) -> ImportResult:
    """Create every time entry of the file, or none. Engagements are looked up in this
    workspace only.

    Two passes: the first parses every row; then the engagements the file touches are
    locked, once each and in primary-key order (as `services.engagements_lock` does for
    every writer of time), and the second checks each row's date against what was read
    under those locks (the engagement's dates and pauses, its invoiced periods)."""
    table = _read(upload, TIME_COLUMNS)
    if "minutes" not in table.columns and "hours" not in table.columns:
        raise ImportRejected([RowError(1, "minutes", "Add a minutes or an hours column.")])
    errors = _Collector()
    engagements = _EngagementIndex(workspace)
    members = {
        email.lower(): user_id
        for user_id, email in Membership.objects.filter(workspace=workspace).values_list(
            "user_id", "user__email"
        )
    }
    parsed: list[_TimeRow] = []
    for row, values in table.rows:
        _check_extra(values, row, errors)
        before = errors.total
        engagement = engagements.find(values.get("engagement", ""), row, errors)
        day = _parse_date(values.get("date", ""), row, errors)
        minutes = _parse_minutes(values, row, errors)
        billable = _parse_bool(values.get("billable", ""), row, errors)
        user_id = actor.pk
        email = values.get("user", "")
        if email:
            member_id = members.get(email.lower())
            if member_id is None:
                errors.add(row, "user", f"'{email}' is not a member of this workspace.")
            else:
                user_id = member_id
        parsed.append(
            _TimeRow(
                row=row,
                engagement=engagement,
                day=day,
                minutes=minutes,
                billable=billable,
                user_id=user_id,
                description=values.get("description", ""),
                ok=errors.total == before,
            )
        )

    locked = services.engagements_lock(r.engagement.pk for r in parsed if r.engagement)
    freezes = freezes_of(locked.values())
    active = active_days_for(locked.values())
    entries: list[TimeEntry] = []
    per_engagement: dict[int, int] = {}
    for parsed_row in parsed:
        row, day, minutes = parsed_row.row, parsed_row.day, parsed_row.minutes
        engagement = locked[parsed_row.engagement.pk] if parsed_row.engagement else None
        before = errors.total
        if engagement and day:
            try:
                services.ensure_active_day(engagement, day, active[engagement.pk])
            except ValidationError as exc:
                errors.add_validation(row, exc)
            try:
                freezes[engagement.pk].ensure_time_open(day)
            except ValidationError as exc:
                errors.add_validation(row, exc)
        entry = TimeEntry(
            workspace=workspace,
            engagement=engagement,
            user_id=parsed_row.user_id,
            # None only where an error was recorded above: such an entry is never saved.
            date=cast(dt.date, day),
            minutes=cast(int, minutes),
            description=parsed_row.description,
            billable=parsed_row.billable if parsed_row.billable is not None else True,
        )
        try:
            # Field validation as the form's; what we resolved ourselves (engagement and
            # user, within this workspace) is excluded, and what already failed above too.
            exclude = ["workspace", "engagement", "user"]
            exclude += [n for n, v in (("date", day), ("minutes", minutes)) if v is None]
            entry.full_clean(exclude=exclude, validate_constraints=False)
        except ValidationError as exc:
            errors.add_validation(row, exc)
        if parsed_row.ok and errors.total == before and engagement is not None:
            entries.append(entry)
            per_engagement[engagement.pk] = per_engagement.get(engagement.pk, 0) + 1
    errors.raise_if_any()
    TimeEntry.objects.bulk_create(entries, batch_size=2000)
    audit_record(
        workspace=workspace,
        actor=actor,
        action="time_entry.import",
        details={
            "count": len(entries),
            "minutes": sum(e.minutes for e in entries),
            "engagements": {str(k): v for k, v in sorted(per_engagement.items())},
            "file": getattr(upload, "name", ""),
        },
    )
    return ImportResult(created=len(entries), ignored_columns=table.ignored)


# --- Templates ------------------------------------------------------------------------------
def template_csv(columns: list[Column], example: dict[str, str] | None = None) -> str:
    """A header and one example row, for people to fill in."""
    return csvtools.template_csv(
        [c.name for c in columns], [(example or {}).get(c.name, c.example) for c in columns]
    )
