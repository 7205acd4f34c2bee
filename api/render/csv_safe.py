"""CSV that a spreadsheet cannot be tricked into running, written as a stream.

A cell of text that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be read
by Excel or LibreOffice as a formula (CSV injection), so it gets a leading `'`. Numbers and
dates are written as they are: they are ours, not anyone's input.
"""

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from datetime import date
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH_ROWS = 500


def safe_cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def encode(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as CSV bytes (UTF-8, CRLF line ends as RFC 4180 says), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode()


async def stream(header: Sequence[str], rows: AsyncIterable[Sequence[Any]]) -> AsyncIterator[bytes]:
    """The header, then the rows in batches: memory stays flat however many rows there are."""
    yield encode([header])
    batch: list[Sequence[Any]] = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            yield encode(batch)
            batch.clear()
    if batch:
        yield encode(batch)
