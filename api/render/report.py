"""The programme report as CSV rows and as a self-contained printable page with SVG charts."""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from api.models.report import ProgrammeReport, ReportTable, TabledReport

CSV_HEADER = ("table", "group", "measure", "value", "suppressed")
# Inline styles only; nothing is loaded from anywhere, not even this host.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
BAR_HEIGHT = 22
LABEL_WIDTH = 260
CHART_WIDTH = 640


def csv_rows(report: TabledReport) -> Iterator[tuple[Any, ...]]:
    """One line per figure: `table, group, measure, value, suppressed` (long format)."""
    for table in report.tables:
        for row in table.rows:
            group = "; ".join(f"{k}={v}" for k, v in row.group.items())
            for measure, shown in row.counts.items():
                yield table.key, group, measure, shown.value, shown.suppressed
            for measure, figure in row.figures.items():
                yield table.key, group, measure, figure, False


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None
    width: float
    y: int


@dataclass(frozen=True)
class Chart:
    measure: str
    bars: list[Bar]
    height: int


def chart(table: ReportTable) -> Chart | None:
    """Bars of the table's first count per row, or of each count of a one-row table."""
    if not table.rows:
        return None
    if table.dimensions:
        measure = next(iter(table.rows[0].counts))
        items = [(" / ".join(row.group.values()), row.counts[measure].value) for row in table.rows]
    else:
        measure = "count"
        items = [(name, shown.value) for name, shown in table.rows[0].counts.items()]
    largest = max((v for _, v in items if v), default=0)
    bars = [
        Bar(
            label=label.replace("_", " "),
            value=value,
            width=(value or 0) / largest * (CHART_WIDTH - LABEL_WIDTH - 60) if largest else 0,
            y=i * BAR_HEIGHT,
        )
        for i, (label, value) in enumerate(items)
    ]
    return Chart(measure=measure.replace("_", " "), bars=bars, height=len(bars) * BAR_HEIGHT)


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("api.render", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html(report: ProgrammeReport) -> str:
    template = _environment().get_template("programme.html")
    return template.render(
        report=report,
        charts={t.key: chart(t) for t in report.tables},
        label_width=LABEL_WIDTH,
        chart_width=CHART_WIDTH,
        bar_height=BAR_HEIGHT,
    )
