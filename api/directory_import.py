"""Reading a services directory from CSV or JSON, row by row, with a report of bad rows."""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.progress import track

from api.errors import field_errors
from api.models.service import ServiceCreate


@dataclass
class ImportReport:
    valid: list[ServiceCreate] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # row, field, message


@dataclass
class Rows:
    items: list[dict[str, Any]]
    text: bool  # CSV cells are text: `yes`/`true` are read as booleans, as the API never does


def read_rows(path: Path) -> Rows:
    """CSV (a header row of field names) or JSON (a list of objects), by the file's ending."""
    if path.suffix.lower() == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("a JSON directory is a list of objects")
        return Rows(rows, text=False)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        # Empty CSV cells mean "not given".
        cells = [
            {k: v for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(handle)
        ]
    return Rows(cells, text=True)


def validate(rows: Rows, *, show_progress: bool) -> ImportReport:
    report = ImportReport()
    check = ServiceCreate.model_validate_strings if rows.text else ServiceCreate.model_validate
    for number, row in enumerate(
        track(rows.items, description="Checking rows", disable=not show_progress), start=1
    ):
        try:
            report.valid.append(check(row))
        except ValidationError as exc:
            report.errors.extend(
                {"row": number, "field": ".".join(map(str, e["loc"])) or None, "message": e["msg"]}
                for e in field_errors(exc)
            )
    return report
