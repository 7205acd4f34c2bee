"""Reading a services directory from CSV or JSON, row by row, with a report of bad rows."""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.progress import track

from api.models.service import ServiceCreate


@dataclass
class ImportReport:
    valid: list[ServiceCreate] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # row, field, message


def read_rows(path: Path) -> list[dict[str, Any]]:
    """CSV (a header row of field names) or JSON (a list of objects), by the file's ending."""
    if path.suffix.lower() == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("a JSON directory is a list of objects")
        return rows
    with path.open(newline="", encoding="utf-8-sig") as handle:
        # Empty CSV cells mean "not given".
        return [
            {k: v for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(handle)
        ]


def validate(rows: list[dict[str, Any]], *, show_progress: bool) -> ImportReport:
    report = ImportReport()
    for number, row in enumerate(
        track(rows, description="Checking rows", disable=not show_progress), start=1
    ):
        try:
            report.valid.append(ServiceCreate.model_validate(row))
        except ValidationError as exc:
            report.errors.extend(
                {"row": number, "field": ".".join(map(str, e["loc"])) or None, "message": e["msg"]}
                for e in exc.errors()
            )
    return report
