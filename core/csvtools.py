"""CSV both ways, safely: the spreadsheet formula guard and its undo, streaming export
and the fill-in template.

Text a person typed is guarded against spreadsheet formula injection on the way out: a
cell starting with = + - @ (or tab/CR) gets a leading single quote, which `unguard_cell`
strips again on import, so a round trip is lossless."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # so spreadsheets read the file as UTF-8
CHUNK_BYTES = 65536


def _looks_guarded(value: str) -> bool:
    """One or more quotes, then a formula character: what `guard_cell` writes."""
    rest = value.lstrip("'")
    return rest != value and rest.startswith(FORMULA_PREFIXES)


def guard_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula starts with a quote instead. Text
    that already looks guarded ("'=x", as a person typed it) gets one more, so the import
    gives back exactly what was exported."""
    if isinstance(value, str) and (value.startswith(FORMULA_PREFIXES) or _looks_guarded(value)):
        return "'" + value
    return value


def unguard_cell(value: str) -> str:
    """Undo `guard_cell`: "'=x" → "=x", "''=x" → "'=x" (only quotes before a formula
    character; any other leading quote is the person's text)."""
    if _looks_guarded(value):
        return value[1:]
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: Sequence[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Header then rows as CSV text, in chunks of about 64 kB (one chunk per row would make
    a response of many tiny writes). Starts with a BOM so spreadsheets read it as UTF-8."""
    writer = csv.writer(_Echo())
    chunk: list[str] = [BOM, writer.writerow(header)]
    size = 0
    for row in rows:
        line = writer.writerow([guard_cell(v) for v in row])
        chunk.append(line)
        size += len(line)
        if size > CHUNK_BYTES:
            yield "".join(chunk)
            chunk, size = [], 0
    yield "".join(chunk)


def template_csv(header: Sequence[str], example: Sequence[str]) -> str:
    """A header and one example row, for people to fill in."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow(example)
    return BOM + buffer.getvalue()
