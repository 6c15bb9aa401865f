"""The one renderer: rows of a listing or report as table, markdown, csv or json."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

FORMATS = ("table", "csv", "json", "markdown")
# OWASP CSV injection: a cell starting with these is a formula in a spreadsheet
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) \
            else float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def dumps_json(payload: Any) -> str:
    return json.dumps(to_jsonable(payload), indent=2, ensure_ascii=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def render(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str,
           payload: Any = None) -> str:
    """Render `rows` (dicts) in `fmt`. JSON prints `payload` when given, else the rows."""
    if fmt == "json":
        return dumps_json(rows if payload is None else payload)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        # csv leaves a lone CR unquoted with a LF line end: such rows are quoted whole
        quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(columns)
        for row in rows:
            cells = [neutralise(_cell(row.get(c))) for c in columns]
            (quoted if any("\r" in c for c in cells) else writer).writerow(cells)
        return buf.getvalue().rstrip("\n")
    from tabulate import tabulate

    table = [[_cell(row.get(c)) for c in columns] for row in rows]
    if fmt == "markdown":
        return tabulate(table, headers=list(columns), tablefmt="github", disable_numparse=True)
    if not rows:
        return "(none)"
    return tabulate(table, headers=list(columns), tablefmt="simple", disable_numparse=True)


def render_fields(pairs: Sequence[tuple[str, Any]], fmt: str) -> str:
    """A single record's fields as `key: value` lines (table) or a two-column table."""
    if fmt == "table":
        width = max((len(k) for k, _ in pairs), default=0)
        return "\n".join(f"{k.ljust(width)}  {_cell(v)}" for k, v in pairs)
    return render([{"field": k, "value": v} for k, v in pairs], ("field", "value"), fmt)
