"""CSV responses, streamed: each line is sent as soon as it is written.

A year of feedback is hundreds of thousands of rows; the services read them in chunks
(``services.insights.exports``) and ``StreamingHttpResponse`` sends each block of lines as soon
as it is written, so an export runs in constant memory however long the range.

Under ASGI, Django would buffer a synchronous iterator whole before sending a byte (it cannot
step one from the event loop); ``CsvResponse`` steps it one block at a time in the thread that
runs synchronous code, so the rows stream there too, with the same database connection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime, tzinfo
from typing import Any

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse
from django.utils import timezone

from ..services.insights.exports import Export

LINES_PER_CHUNK = 200
# Spreadsheets run a cell starting with these as a formula; such text is prefixed with '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any, tz: tzinfo) -> Any:
    """A value as spreadsheets should see it; text that looks like a formula stays text."""
    kind = type(value)
    if kind is int or kind is float:
        return value
    if value is None:
        return ""
    if kind is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if kind is bool:
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return _cell(";".join(str(v) for v in value), tz)
    return value


def stream_csv(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Encode the header and the rows as CSV, yielding about ``LINES_PER_CHUNK`` lines at once.

    Only one block of lines is held at a time; sending blocks rather than single lines keeps
    the per-chunk overhead of the server low.
    """
    tz = timezone.get_current_timezone()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    pending = 0
    for row in rows:
        writer.writerow([_cell(value, tz) for value in row])
        pending += 1
        if pending >= LINES_PER_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


class CsvResponse(StreamingHttpResponse):
    """A streaming response whose synchronous iterator also streams under ASGI."""

    async def __aiter__(self):
        if self.is_async:
            async for part in super().__aiter__():
                yield part
            return
        parts = iter(self.streaming_content)
        step = sync_to_async(next, thread_sensitive=True)
        while (part := await step(parts, None)) is not None:
            yield part


def csv_response(export: Export) -> CsvResponse:
    """An export as a CSV download, streamed and never cached."""
    response = CsvResponse(stream_csv(export.header, export.rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response
