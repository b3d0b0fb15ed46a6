"""The table every benchmark prints: a title, a header row and rows of text, columns
padded to their widest cell (numbers right-aligned), so `make bench` reads as one
report."""

from __future__ import annotations

from collections.abc import Sequence


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The rows under their headers as a fixed-width text table with a title line."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = []
        for i, cell in enumerate(row):
            numeric = i > 0 and _looks_numeric(cell)
            parts.append(cell.rjust(widths[i]) if numeric else cell.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    body = [line(cells[0]), rule] + [line(row) for row in cells[1:]]
    return "\n".join([f"== {title}", *body, ""])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _looks_numeric(cell: str) -> bool:
    stripped = cell.removesuffix(" ms").removesuffix("/s").removesuffix("%").removesuffix("×")
    return stripped.strip().replace(",", "").replace(".", "", 1).lstrip("-").isdigit()
