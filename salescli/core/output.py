"""The one renderer: rows of a listing or report as table, markdown, csv or json."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from salescli.core.later import later

FORMATS = ("table", "csv", "json", "markdown")
# OWASP CSV injection: a cell starting with these is a formula in a spreadsheet
_FORMULA_START = ("=", "+", "-", "@")
# Quoted as well as `,`, `"` and line breaks: the other separators a spreadsheet picks
# by itself (Finnish and German Excel split on `;`; LibreOffice and Google Sheets
# detect `;` and tab), so `a;=1` can never become a cell `=1`
_CSV_QUOTE = later('[,"\r\n;\t]')
# What a terminal acts on: C0 controls (ESC starts CSI and OSC sequences), DEL, and
# C1 controls (U+009B is a one-character CSI), and the line separators U+2028/U+2029.
# Newline and tab are kept as layout.
# Also the invisible format characters that reorder or hide text (bidi overrides as in
# "Trojan Source", zero-width spaces, BOM); not the joiners U+200C/U+200D that
# emoji and several scripts need.
_INVISIBLE = "\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_CONTROL = later(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_INVISIBLE}]")
_CONTROL_IN_CELL = later(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_INVISIBLE}]")
_JSON_RAW = later("[\x7f-\x9f]")  # json.dumps escapes C0 itself, not these
_NAMED = {"\t": "\\t", "\r": "\\r", "\n": "\\n"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or repr(char)[1:-1]  # \x1b, \x85, \u2028


def day_at(day: Any, time: str | None) -> str:
    """An activity's day and, for a meeting booked at a time, its start: `2026-12-08
    14:00`, else `2026-12-08`."""
    return f"{day} {time}" if time else str(day)


# a `<` that would open HTML in Markdown (`<b>`, `</b>`, `<!--`, `<?`), unless an odd
# run of backslashes escapes it already
_HTML_OPEN = later(r"(?<!\\)((?:\\\\)*)<(?=[A-Za-z/!?])")


def markdown_text(text: str) -> str:
    """`text` shown as written in Markdown: a `<` that would open an HTML tag or comment
    is written `\\<` (a deal titled `<!--` must not hide the rest of a pull-request
    comment, nor `<img onerror=...>` run in a viewer)."""
    return _HTML_OPEN.sub(r"\1\\<", text) if "<" in text else text


def markdown_cell(text: str) -> str:
    """`text` inside one Markdown table cell: GFM ends a cell at a `|` unless a
    backslash escapes it, and `\\` is an escaped backslash, so both are escaped (and
    HTML, as markdown_text)."""
    return markdown_text(text.replace("\\", "\\\\").replace("|", "\\|"))


def quoted(text: str) -> str:
    """A value as the user typed or wrote it, for a one-line message: in double quotes,
    its control characters escaped; never a repr."""
    return '"' + terminal_safe(text, cell=True) + '"'


def terminal_safe(text: str, cell: bool = False) -> str:
    """`text` with control characters shown as Python-style escapes: ESC as `\\x1b`.

    Everything salescli prints for people goes through this, so a value from a record
    file cannot move the cursor, retitle the window or hide text. Newlines and tabs
    stay, except in a table `cell`, where they are data, not layout (`\\n`, `\\t`).
    """
    if text.isprintable():  # the common case, checked at C speed
        return text
    # a whole listing or JSON document: its lines are layout, and with them aside most
    # are printable, a C check (every character _CONTROL finds is not printable) that
    # spares the regex's scan of a megabyte (15 ms of `today --format json`)
    if not cell and text.replace("\n", "").replace("\t", "").isprintable():
        return text
    return (_CONTROL_IN_CELL if cell else _CONTROL).sub(_visible, text)


_PLAIN_TYPES = frozenset((str, int, float, bool, type(None)))  # JSON as they are


def to_jsonable(value: Any) -> Any:
    if type(value) in _PLAIN_TYPES:  # most values of a payload: no call below
        return value
    if isinstance(value, dict):
        return {str(k): v if type(v) in _PLAIN_TYPES else to_jsonable(v)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [v if type(v) in _PLAIN_TYPES else to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) \
            else float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


class JsonText(str):
    """JSON already printed as `dumps_json` prints it: `dumps_json` passes it through."""


def dumps_json(payload: Any) -> str:
    """JSON for scripts: exact values, and still nothing a terminal would act on.

    Byte for byte `json.dumps(..., indent=2)`; but Python's encoder indents in Python
    (about 100 ms of `today --format json` on 10,000 deals), so its C encoder writes
    the text compact and `_indented` indents it.
    """
    if isinstance(payload, JsonText):
        return payload
    value = to_jsonable(payload)
    return _indented(json.dumps(value, ensure_ascii=False, separators=(",", ":")),
                     lambda: json.dumps(value, indent=2, ensure_ascii=False))


def json_array(documents: Sequence[str]) -> JsonText:
    """`dumps_json` of the list of `documents`, JSON texts of to_jsonable values (the
    record index's `json` column), without decoding them: 8,000 accounts took 1.2 s to
    decode, convert and print, and take 40 ms."""
    return JsonText(_indented(f"[{','.join(documents)}]", lambda: json.dumps(
        to_jsonable([json.loads(d) for d in documents]), indent=2, ensure_ascii=False)))


def _indented(compact: str, exact: Callable[[], str]) -> str:
    """The JSON text `compact` indented by two, as json.dumps(indent=2) prints it, by
    msgspec in C, keeping every string and number as written; `exact()` (Python's own,
    slow way) for a text msgspec cannot read (`NaN`, a lone surrogate). DEL and C1
    controls escaped."""
    import msgspec.json

    try:
        raw = msgspec.json.format(compact.encode(), indent=2)
    except (msgspec.DecodeError, UnicodeEncodeError):
        return _json_safe(exact())
    # DEL is 7F and C1 controls C2 80..9F in UTF-8: two byte searches at memchr speed
    # spare most documents the scan of every character (150 ms for 8,000 accounts)
    text = raw.decode()
    return _json_safe(text) if b"\x7f" in raw or b"\xc2" in raw else text


def _json_safe(text: str) -> str:
    # DEL and C1 controls as \u007f..\u009f: the same string to any JSON reader
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _cell(value: Any) -> str:
    if type(value) is str:  # most cells: first, and cheapest
        return value
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _printable(text: str) -> bool:
    """No character a terminal would act on; the no-break spaces locales group digits
    with (`48 000,00 €`) are not printable to Python, yet harmless."""
    return text.isprintable() or text.replace("\xa0", " ").replace("\u202f", " ").isprintable()


def neutralise(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading `'` where it could run a formula.

    Besides `=`, `+`, `-` and `@`, any invisible first character counts (NUL, tab, CR,
    ESC, U+FEFF, a no-break space...), as does a formula start after leading spaces:
    a spreadsheet may drop those and read what follows as a formula.
    """
    head = text.lstrip(" ")[:1]
    if head and (head in _FORMULA_START or not head.isprintable()):
        return "'" + text
    return text


def csv_cell(value: Any) -> str:
    """A value as a CSV cell for a spreadsheet: a number as it is (`-1559.97` is a
    number, not a formula: a sum counts it), anything else `neutralise`d."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _cell(value)
    return neutralise(_cell(value))


def _csv_column(values: list[Any], alone: bool) -> list[str]:
    """A column's cells as `csv_line` writes `terminal_safe(csv_cell(value))` (`alone`:
    the table's only column), column by column, so that most of the work is C's: a cell
    that starts with a letter or digit is no formula and no number to keep, a column
    whose joined text is printable needs no escapes, one with no separator no quotes."""
    cells = [v if type(v) is str else _cell(v) for v in values]
    for i in [i for i, cell in enumerate(cells) if cell and not cell[:1].isalnum()]:
        cells[i] = csv_cell(values[i])  # (an empty cell is empty as a CSV cell too)
    if not "".join(cells).isprintable():
        cells = [terminal_safe(c) for c in cells]
    if _CSV_QUOTE.search("".join(cells)):
        cells = _csv_quoted(cells)
    if alone:  # as csv_line: a lone empty cell must not read as an empty line
        cells = [c or '""' for c in cells]
    return cells


def _csv_quoted(cells: Iterable[str]) -> list[str]:
    return ['"' + c.replace('"', '""') + '"' if _CSV_QUOTE.search(c) else c for c in cells]


def csv_line(cells: Sequence[str], end: str = "\n") -> str:
    """One CSV record (RFC 4180 quoting) with `;` and tab quoted too, see `_CSV_QUOTE`."""
    out = _csv_quoted(cells)
    if out == [""]:
        out = ['""']  # a lone empty cell must not read as an empty line
    return ",".join(out) + end


# What a column of a listing or report holds, by its name: the one map tables and the
# totals line format numbers by (`human`); CSV and JSON print every value as it is
MONEY, RATE, PERCENT, COUNT, DAYS, NUMBER = "money", "rate", "percent", "count", "days", "number"
AMOUNT = "amount"  # money where the row has a currency (a goal of won value), else a number
KINDS: dict[str, str] = {
    # in the row's currency
    **dict.fromkeys(("value", "weighted", "won_value", "avg_won_value", "velocity",
                     "unit_price", "total", "vat", "won_value_unconverted"), MONEY),
    **dict.fromkeys(("conversion", "share", "qualify_rate", "win_rate", "attainment",
                     "pace"), RATE),  # 0..1
    **dict.fromkeys(("probability", "discount"), PERCENT),  # 0..100
    **dict.fromkeys(("count", "reached", "lost_here", "open_here", "leads", "contacted",
                     "qualified", "disqualified", "deals", "won", "lost", "open", "open_deals",
                     "slips", "slipped", "two_or_more", "contacts", "events", "activities",
                     "meetings_booked", "meetings_held", "meetings_cancelled", "won_deals",
                     "sla_breaches", "sla_hours", "max_days", "by_reason", "by_source"), COUNT),
    # a median or mean to one decimal; whole days (days in a stage) stay whole
    **dict.fromkeys(("days", "median_days", "mean_days", "p75_days", "median_cycle_days",
                     "median_first_contact_hours"), DAYS),
    **dict.fromkeys(("quantity", "activities_per_won_deal"), NUMBER),
    **dict.fromkeys(("actual", "target", "expected"), AMOUNT),
}
_CURRENCY = later("[A-Z]{3}")


def _plain(value: Any, kind: str) -> bool:
    """A count or number every locale writes as Python does: no separator, no decimals
    (most counts of a table: 8,000 accounts' contacts)."""
    return type(value) is int and 0 <= value < 1000 and kind in (COUNT, DAYS, NUMBER)


def human(value: Any, kind: str | None, style: Any, currency: str | None = None) -> Any:
    """A number of `kind` as people read it in the `style`'s locale (`l10n.Style`):
    money with its currency to the cent, rates and percents as `33.3 %`, counts grouped,
    days to one decimal. Anything else (text, dates, lists, None) is returned as it is."""
    if kind is None or style is None or value is None or isinstance(value, bool) \
            or not isinstance(value, int | float | Decimal):
        return value
    if _plain(value, kind):
        return str(value)
    if kind == MONEY or (kind == AMOUNT and currency):
        return style.money(value, currency)
    if kind == RATE:
        return style.rate(value)
    if kind == PERCENT:
        return style.percent(value)
    if kind == DAYS and not isinstance(value, int):
        return style.number(value, 1)
    return style.number(value)


def totals_text(totals: dict[str, Any], style: Any = None, prefix: str = "",
                kind: str | None = None, currency: str | None = None) -> str:
    """A report's totals on one line: `key: value` pairs, nested keys prefixed. With a
    `style`, numbers as in tables: a key's kind holds for the keys under it, and a
    currency code among the keys is the money's (`open EUR value: €367,726.00`)."""
    parts = []
    for key, value in totals.items():
        inner_kind = KINDS.get(key, kind)
        inner_currency = key if _CURRENCY.fullmatch(str(key)) else currency
        if isinstance(value, dict):
            inner = totals_text(value, style, f"{prefix}{key} ", inner_kind, inner_currency)
            parts.append(inner or f"{prefix}{key}: -")
            continue
        if style is not None and inner_kind is not None:
            value = human(value, inner_kind, style, inner_currency)
        else:
            value = format(value, "f") if isinstance(value, Decimal) else to_jsonable(value)
        parts.append(f"{prefix}{key}: {'-' if value is None else value}")
    return "  ".join(parts)


def fit_pairs(totals: str, width: int) -> str:
    """`totals_text`'s line as lines of at most `width` columns, broken between its
    `key: value` pairs, none cut in two (a pair longer than the width stands alone)."""
    lines = [""]
    for pair in totals.split("  "):
        if lines[-1] and len(lines[-1]) + 2 + len(pair) > width:
            lines.append(pair)
        else:
            lines[-1] = f"{lines[-1]}  {pair}" if lines[-1] else pair
    return "\n".join(lines)


def render(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str,
           payload: Any = None, style: Any = None) -> str:
    """Render `rows` (dicts) in `fmt`. JSON prints `payload` when given, else the rows.

    Table, Markdown and CSV are printed for people, so control characters in values are
    shown escaped (`terminal_safe`); JSON keeps every value exact. With a `style`
    (`l10n.Style`), table and Markdown show numbers in its locale, by the columns'
    `KINDS`; CSV and JSON stay exact, for scripts and spreadsheets.
    """
    if fmt == "json":
        return dumps_json(rows if payload is None else payload)
    if fmt == "csv":
        body = zip(*(_csv_column([row.get(c) for row in rows], len(columns) == 1)
                     for c in columns), strict=True)
        return (csv_line(columns) + "\n".join(map(",".join, body))).rstrip("\n")
    # column by column, so that most of the work is C's: most cells are text already
    # and pay no call, and one check of a column's joined text finds it printable
    kinds = KINDS if style is not None else {}
    cells_of = []
    for column in columns:
        values = [row.get(column) for row in rows]
        cells = [v if type(v) is str else _cell(v) for v in values]
        kind = kinds.get(column)
        if kind is not None:
            for i, value in enumerate(values):  # only numbers change
                if value is not None and type(value) is not str and not _plain(value, kind):
                    cells[i] = _cell(human(value, kind, style, rows[i].get("currency")))
        if not _printable("".join(cells)):
            cells = [terminal_safe(c, cell=True) for c in cells]
        if fmt == "markdown":  # a `|` would end the cell: `a | b` made a new column
            cells = [markdown_cell(c) for c in cells]
        cells_of.append(cells)
    if fmt == "table" and not rows:
        return "(none)"
    return _aligned(columns, cells_of, len(rows), fmt == "markdown")


def aligned(headers: Sequence[str], table: Sequence[Sequence[str]],
            markdown: bool = False) -> str:
    """Left-aligned text columns, as tabulate's `simple` (or `github`) format prints them.

    Written here because tabulate costs about 70 ms for a 600-row listing (its import,
    then typing every cell), more than `git status` takes on a big repository; the
    output is the same (tests/test_output.py compares the two on random tables).
    """
    columns = [list(column) for column in zip(*table, strict=True)] if table \
        else [[] for _ in headers]
    return _aligned(headers, columns, len(table), markdown)


def _aligned(headers: Sequence[str], columns: list[list[str]], height: int,
             markdown: bool) -> str:
    """`aligned` of a table given column by column (`height` rows): each step is one C
    loop a column."""
    columns = [list(map(str.strip, column)) for column in columns]
    # a header gets two spaces of room, as tabulate's MIN_PADDING gives it
    widths = [max(len(h) + 2, max(map(len, column), default=0))
              for h, column in zip(headers, columns, strict=True)]
    padded = [list(map(str.ljust, column, itertools.repeat(w)))
              for column, w in zip(columns, widths, strict=True)]
    rows = zip(*padded, strict=True) if padded else [()] * height  # no column: empty lines
    if markdown:
        rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
        head = "| " + " | ".join(map(str.ljust, headers, widths)) + " |"
        body = (f"| {line} |" for line in map(" | ".join, rows))
    else:
        rule = "  ".join("-" * w for w in widths)
        head = "  ".join(map(str.ljust, headers, widths)).rstrip()
        body = map(str.rstrip, map("  ".join, rows))
    return "\n".join([head, rule, *body])


def render_wrapped(rows: Sequence[dict[str, Any]], columns: Sequence[str],
                   parts: Callable[[dict[str, Any]], list[str]], width: int,
                   style: Any = None, room: int = 30, stack: bool = False) -> str | None:
    """`render`'s table whose last column holds each row's `parts` (texts), each on lines
    of its own below the column's start, wrapped to fit `width`: nothing is cut (a word
    longer than the room, say an ID in a command, runs over). When the other columns
    leave the last less than `room`: None, or with `stack`, the table without it and
    each row's parts on lines below the row, indented."""
    import textwrap

    if not rows:
        return None
    last = columns[-1]
    blank = render([{**r, last: ""} for r in rows], columns, "table", style=style)
    lines = blank.split("\n")
    start = lines[1].rfind(" ") + 1  # where the last column's dashes begin
    stacked = width - start < room
    if stacked:
        if not stack:
            return None
        lines = render(rows, columns[:-1], "table", style=style).split("\n")
        start = 4
    room = width - start
    out = lines[:2]
    for line, r in zip(lines[2:], rows, strict=True):
        texts = [piece for part in parts(r) for piece in (
            [part] if len(part) <= room else
            textwrap.wrap(part, room, break_long_words=False, break_on_hyphens=False))]
        if stacked:
            out.append(line)
        else:
            out.append(line.ljust(start) + (texts.pop(0) if texts else ""))
        out += [" " * start + text for text in texts]
    return "\n".join(out)


def render_fields(pairs: Sequence[tuple[str, Any]], fmt: str, style: Any = None) -> str:
    """A single record's fields as `key: value` lines (table) or a two-column table;
    with a `style`, numbers for people as `render` shows them (the `currency` field is
    the money's)."""
    if style is not None and fmt in ("table", "markdown"):
        currency = dict(pairs).get("currency")
        pairs = [(k, human(v, KINDS.get(k), style, currency)) for k, v in pairs]
    if fmt == "table":
        width = max((len(k) for k, _ in pairs), default=0)
        return "\n".join(f"{k.ljust(width)}  {terminal_safe(_cell(v), cell=True)}"
                         for k, v in pairs)
    return render([{"field": k, "value": v} for k, v in pairs], ("field", "value"), fmt)
