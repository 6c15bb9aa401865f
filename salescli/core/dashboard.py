"""The dashboard (SPEC §7): report payloads as one self-contained HTML page.

Pure: payloads in, HTML text out. Charts are inline SVG drawn here; the page loads
nothing (no fonts, scripts, styles or images from anywhere) and runs no JavaScript,
so it opens offline, from a mail attachment or a file share, and prints as it looks.

Every chart is a list of horizontal bars whose lengths are percentages of the SVG's
width, with the labels as SVG text at a fixed size: the same page is readable on a
phone, a laptop and paper without scaling the text down.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from msgspec import Struct
from msgspec import field

from salescli.core.money import grouped
from salescli.core.reports import OVERDUE
from salescli.core.words import plural

# forecast categories, drawn in this order (left to right) with these names
CATEGORY_NAMES = {"won": "Won", "commit": "Commit", "best-case": "Best case",
                  "pipeline": "Pipeline"}
ROW = 40        # px per bar row: a text line above a bar
BAR = 14        # px bar height
MAX_BARS = 15   # longer lists show their first bars and say how many more
SHARED_LINE = 46  # label + note characters that fit one line on a phone


def e(value: Any) -> str:
    """Any value as escaped HTML text (None shows as a dash)."""
    if value is None:
        return "–"
    return html.escape(str(value), quote=True)


def money(value: Any, currency: str | None = None) -> str:
    """An amount on the page: whole units everywhere (`64,838`, never `64,837.80` beside
    `367,726`): one number format for a board that reads figures, not cents."""
    if value is None:
        return "–"
    whole = Decimal(str(value)).quantize(Decimal(1), ROUND_HALF_UP)
    text = grouped(whole, whole=True)
    return f"{text} {currency}" if currency else text



def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


class Bar(Struct):
    """One row of a bar chart: a label, its segments (css class, value, tooltip), a note."""

    label: str
    segments: list[tuple[str, float, str]] = field(default_factory=list)
    note: str = ""
    marker: float | None = None  # a limit drawn as a line across the bar (stale: max_days)

    @property
    def total(self) -> float:
        return sum(v for _, v, _ in self.segments)


def _pct(value: float, scale: float) -> str:
    return f"{100 * value / scale:.2f}%"


def bar_chart(name: str, bars: Sequence[Bar], caption: str) -> str:
    """An SVG of horizontal bars, or a plain "no data" line when there is nothing to draw."""
    bars = [b for b in bars if b.total > 0 or b.marker]
    if not bars or not any(b.total > 0 for b in bars):
        return '<p class="empty">No data for this chart in the window.</p>'
    more = len(bars) - MAX_BARS
    bars = bars[:MAX_BARS]
    scale = max(max(b.total, b.marker or 0) for b in bars) or 1.0
    rows, y = [], 0
    for b in bars:
        label = b.label if len(b.label) <= 34 else b.label[:33] + "…"
        # label and note share a line when both fit a phone's width (about 48
        # characters), else the note goes on its own line under the label
        split = len(label) + len(b.note) > SHARED_LINE
        rows.append((b, label, y, y + 16 if split else y))
        y += ROW + (16 if split else 0)
    out = [f'<svg class="chart" data-chart="{e(name)}" role="img" aria-label="{e(caption)}" '
           f'width="100%" height="{y}">', f"<title>{e(caption)}</title>"]
    for b, label, top, low in rows:
        out.append(f'<text class="label" x="0" y="{top + 15}">{e(label)}'
                   f"<title>{e(b.label)}</title></text>")
        out.append(f'<text class="note" x="100%" y="{low + 15}" text-anchor="end">'
                   f"{e(b.note)}</text>")
        bar_y = low + 21
        out.append(f'<rect class="track" x="0" y="{bar_y}" width="100%" height="{BAR}"/>')
        start = 0.0
        for css, value, tip in b.segments:
            if value <= 0:
                continue
            width = max(value, scale * 0.004)  # a small value still shows a sliver
            out.append(f'<rect class="bar {e(css)}" x="{_pct(start, scale)}" y="{bar_y}" '
                       f'width="{_pct(width, scale)}" height="{BAR}"><title>{e(tip)}</title>'
                       "</rect>")
            start += value
        if b.marker:
            x = _pct(b.marker, scale)
            out.append(f'<line class="marker" x1="{x}" x2="{x}" y1="{bar_y - 3}" '
                       f'y2="{bar_y + BAR + 3}"><title>limit {e(b.marker)}</title></line>')
    out.append("</svg>")
    if more > 0:
        out.append(f'<p class="more">…and {more} more in the table.</p>')
    return "\n".join(out)


def table(columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]],
          caption: str) -> str:
    """A plain table: (key, heading) columns; numbers right-aligned by their class."""
    if not rows:
        return ""
    head = "".join(f"<th scope=\"col\">{e(h)}</th>" for _, h in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                cells.append(f'<td class="num">{e(value)}</td>')
            elif isinstance(value, dt.date):
                cells.append(f'<td class="date">{e(value)}</td>')
            else:
                cells.append(f"<td>{e(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table"><table><caption>{e(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def legend(categories: Sequence[str]) -> str:
    items = "".join(
        f'<li><svg width="12" height="12" aria-hidden="true"><rect class="bar {c}" '
        f'width="12" height="12"/></svg> {e(CATEGORY_NAMES[c])}</li>' for c in categories)
    return f'<ul class="legend">{items}</ul>'


# ----------------------------------------------------------------- sections


def funnel_section(payload: dict[str, Any]) -> str:
    rows = payload["rows"]
    bars = [Bar(r["stage"], [("stage", r["reached"], f"{r['reached']} reached {r['stage']}")],
                f"{r['reached']} reached · {percent(r['conversion'])} to "
                f"{'next' if i + 1 < len(rows) else 'won'}") for i, r in enumerate(rows)]
    t = payload["totals"]
    pipeline = payload["filters"].get("pipeline")
    summary = (f"{plural(t['deals'], 'deal')} created in the window: {t['won']} won, "
               f"{t['lost']} lost, {t['open']} open; win rate {percent(t['win_rate'])}.")
    shown = [{**r, "conversion": percent(r["conversion"])} for r in rows]
    return _section("funnel", f"Funnel ({pipeline})", summary,
                    bar_chart("funnel", bars, "Deals that reached each stage"),
                    table((("stage", "Stage"), ("reached", "Reached"),
                           ("conversion", "On to next"), ("lost_here", "Lost here"),
                           ("open_here", "Open here"), ("median_days", "Median days")),
                          shown, "Funnel by stage"))


def forecast_section(payload: dict[str, Any]) -> str:
    by_currency: dict[str, dict[str, dict[str, Decimal]]] = defaultdict(dict)
    for r in payload["rows"]:
        by_currency[r["currency"]].setdefault(r["period"], {})[r["category"]] = r["value"]
    charts = []
    overdue: dict[str, Decimal] = defaultdict(Decimal)
    for currency, periods in sorted(by_currency.items()):
        bars = []
        # the rows' order: the overdue deals first, then the periods in time order
        for period, values in sorted(periods.items(), key=lambda kv: (kv[0] != OVERDUE, kv[0])):
            segments = [(c, float(values[c]), f"{CATEGORY_NAMES[c]}: {money(values[c], currency)}")
                        for c in CATEGORY_NAMES if c in values]
            open_value = sum((v for c, v in values.items() if c != "won"), Decimal(0))
            if period == OVERDUE:
                overdue[currency] = open_value
                bars.append(Bar("Overdue", segments, f"{money(open_value, currency)} open, "
                                                     "close date passed"))
                continue
            note = f"{money(open_value, currency)} open"
            if "won" in values:
                note += f" · {money(values['won'], currency)} won"
            bars.append(Bar(period, segments, note))
        caption = f"Forecast by period and category, {currency}"
        charts.append((f"<h3>{e(currency)}</h3>" if len(by_currency) > 1 else "")
                      + bar_chart(f"forecast-{currency}", bars, caption))
    used = [c for c in CATEGORY_NAMES if any(r["category"] == c for r in payload["rows"])]
    totals = payload["totals"].get("open", {})
    summary = "; ".join(f"open {money(t['value'], c)}, weighted {money(t['weighted'], c)} "
                        f"({plural(t['count'], 'deal')})"
                        + (f", of which {money(overdue[c], c)} overdue" if overdue.get(c) else "")
                        for c, t in sorted(totals.items()))
    if charts:
        body = (legend(used) if used else "") + "\n".join(charts)
    else:
        body = bar_chart("forecast", [], "Forecast")
    shown = [{**r, "category": CATEGORY_NAMES.get(r["category"], r["category"]),
              "value": money(r["value"]), "weighted": money(r["weighted"])}
             for r in payload["rows"]]
    return _section("forecast", "Forecast by close period",
                    (summary + "." if summary else "No open deals with a close date.")
                    + " Weighted = value × probability.", body,
                    table((("period", "Period"), ("category", "Category"),
                           ("currency", "Currency"), ("count", "Deals"), ("value", "Value"),
                           ("weighted", "Weighted")), shown, "Forecast rows"))


def lost_section(payload: dict[str, Any]) -> str:
    rows = payload["rows"]
    by_reason: dict[str, dict[str, Any]] = {}
    for r in rows:
        agg = by_reason.setdefault(r["reason"], {"count": 0, "value": defaultdict(Decimal)})
        agg["count"] += r["count"]
        agg["value"][r["currency"]] += Decimal(str(r["value"]))
    total = payload["totals"]["count"]
    bars = []
    for reason, agg in sorted(by_reason.items(), key=lambda kv: (-kv[1]["count"], kv[0])):
        values = ", ".join(money(v, c) for c, v in sorted(agg["value"].items()))
        share = percent(agg["count"] / total) if total else "–"
        bars.append(Bar(reason, [("lost", agg["count"], f"{agg['count']} lost: {reason}")],
                        f"{agg['count']} · {share} · {values}"))
    value = ", ".join(money(v, c) for c, v in payload["totals"]["value"].items())
    summary = f"{plural(total, 'deal')} lost in the window" + \
        (f", worth {value}." if total else ".")
    shown = [{**r, "value": money(r["value"]), "share": percent(r["share"])} for r in rows]
    return _section("lost", "Lost reasons", summary,
                    bar_chart("lost", bars, "Deals lost by reason"),
                    table((("reason", "Reason"), ("stage", "Lost at stage"),
                           ("currency", "Currency"), ("count", "Deals"), ("value", "Value"),
                           ("share", "Share")), shown, "Lost deals by reason and stage"))


def slips_section(payload: dict[str, Any], titles: dict[str, str]) -> str:
    t = payload["totals"]
    once = t["slipped"] - t["two_or_more"]
    bars = [Bar("Never slipped", [("steady", t["deals"] - t["slipped"], "no slip")],
                str(t["deals"] - t["slipped"])),
            Bar("Slipped once", [("slip", once, "one slip")], str(once)),
            Bar("Slipped twice or more", [("slip2", t["two_or_more"], "two or more slips")],
                str(t["two_or_more"]))]
    summary = (f"{t['slipped']} of {plural(t['deals'], 'deal')} had their close date moved later, "
               f"{t['slips']} times in all.")
    shown = [{**r, "title": titles.get(r["deal"])} for r in payload["rows"]]
    listing = table((("deal", "Deal"), ("title", "Title"), ("slips", "Slips"),
                     ("close_date", "Close date")), shown, "Deals that slipped twice or more")
    return _section("slips", "Close-date slips", summary,
                    bar_chart("slips", bars if t["deals"] else [], "Deals by close-date slips"),
                    listing)


def stale_section(rows: Sequence[dict[str, Any]]) -> str:
    bars = [Bar(r["title"] or r["id"], [("stale", r["days"], f"{r['days']} days in "
                                         f"{r['stage']}")],
                f"{r['days']} days (max {r['max_days']})", marker=r["max_days"])
            for r in rows]
    summary = (f"{plural(len(rows), 'open deal')} "
               f"{'has' if len(rows) == 1 else 'have'} been in their stage longer than its "
               "max_days."
               if rows else "No open deal is past its stage's max_days.")
    chart = bar_chart("stale", bars, "Days in stage of stale deals; the line is the limit") \
        if rows else ""
    return _section("stale", "Stale deals", summary, chart,
                    table((("id", "Deal"), ("title", "Title"), ("stage", "Stage"),
                           ("since", "In stage since"), ("days", "Days"),
                           ("max_days", "Max days"), ("owner", "Owner")), rows, "Stale deals"))


def goals_section(payload: dict[str, Any], won: Sequence[tuple[str, Any]], base: str) -> str:
    """Won value by month with the team's monthly won_value goal as the line, then every
    goal's attainment and pace in its period."""
    rows = payload["rows"]
    line = next((r["target"] for r in rows if r["metric"] == "won_value"
                 and r["owner"] is None and r["period"].count("-") == 1
                 and "Q" not in r["period"] and "W" not in r["period"]), None)
    bars = [Bar(month, [("won", float(value), f"{money(value, base)} won in {month}")],
                money(value, base), marker=float(line) if line else None)
            for month, value in won]
    caption = "Won value by month" + ("; the line is the monthly goal" if line else "")
    t = payload["totals"]
    summary = (f"{t['met']} of {t['goals']} goals met so far; {t['behind_pace']} behind "
               "pace." if rows else "No goals set: add `goals:` to salescli.yaml.")
    shown = [{**r, "attainment": percent(r["attainment"]), "pace": percent(r["pace"]),
              "actual": money(r["actual"], r["currency"]),
              "target": money(r["target"], r["currency"])} for r in rows]
    listing = table((("metric", "Goal"), ("owner", "Owner"), ("period", "Period"),
                     ("actual", "Actual"), ("target", "Target"),
                     ("attainment", "Attained"), ("pace", "Pace")), shown, "Goals") \
        if rows else ""
    return _section("goals", "Won revenue and goals", summary,
                    bar_chart("won-by-month", bars, caption), listing)


def board_section(payload: dict[str, Any], titles: dict[str, str]) -> str:
    """The board: a column per stage, each open deal a card (title, value, days in the
    stage), largest first; columns wrap under each other on a narrow screen."""
    columns = []
    for c in payload["columns"]:
        cards = "".join(
            f'<li><span class="title">{e(titles.get(d["id"], d["id"]))}</span>'
            f'<span class="note">{e(money(d["value"], d["currency"]))} · {d["days"]} d'
            f'{" · " + e(d["owner"]) if d["owner"] else ""}</span></li>'
            for d in c["cards"])
        totals = " + ".join(money(v, k) for k, v in sorted(c["totals"].items())) or "0"
        columns.append(f'<div class="column"><h3>{e(c["name"])}</h3>'
                       f'<p class="note">{c["count"]} · {e(totals)}</p><ol>{cards}</ol></div>')
    t = payload["totals"]
    value = " + ".join(money(v, k) for k, v in sorted(t["value"].items())) or "0"
    summary = (f"{t['count']} open deal{'' if t['count'] == 1 else 's'} in pipeline "
               f"{payload['pipeline']}, {value}, as of {payload['as_of']}.")
    return _section("board", "Board", summary, f'<div class="board">{"".join(columns)}</div>',
                    "")


def _section(name: str, heading: str, summary: str, chart: str, details: str) -> str:
    return (f'<section id="{e(name)}"><h2>{e(heading)}</h2>'
            f'<p class="summary">{e(summary)}</p>\n{chart}\n{details}</section>')


# --------------------------------------------------------------------- page


def kpis(funnel: dict[str, Any], forecast: dict[str, Any], slips: dict[str, Any],
         stale: Sequence[dict[str, Any]]) -> str:
    t = funnel["totals"]
    tiles = [("Deals in window", t["deals"]), ("Won", t["won"]), ("Lost", t["lost"]),
             ("Win rate", percent(t["win_rate"]))]
    for currency, o in sorted(forecast["totals"].get("open", {}).items()):
        tiles += [(f"Open pipeline ({currency})", money(o["value"])),
                  (f"Weighted ({currency})", money(o["weighted"]))]
    tiles += [("Slipped deals", slips["totals"]["slipped"]), ("Stale deals", len(stale))]
    items = "".join(f"<div><dt>{e(k)}</dt><dd>{e(v)}</dd></div>" for k, v in tiles)
    return f'<dl class="kpis">{items}</dl>'


def _filters_text(filters: dict[str, Any]) -> str:
    since, until = filters.get("since"), filters.get("until")
    window = f"{since or 'the beginning'} to {until or 'the as-of date'}" \
        if since or until else "all time"
    parts = [f"window: {window}"]
    parts += [f"{k}: {filters[k]}" for k in ("pipeline", "owner", "source") if filters.get(k)]
    return " · ".join(parts)


def render_dashboard(*, funnel: dict[str, Any], forecast: dict[str, Any],
                     lost: dict[str, Any], slips: dict[str, Any],
                     stale: Sequence[dict[str, Any]], titles: dict[str, str] | None = None,
                     board: dict[str, Any] | None = None,
                     goals: dict[str, Any] | None = None,
                     won: Sequence[tuple[str, Any]] = (), base: str = "",
                     company: str | None = None,
                     generated: dt.datetime | None = None) -> str:
    """The whole page. `titles` maps deal IDs to titles for the slips table."""
    as_of = funnel["as_of"]
    heading = f"{company} pipeline" if company else "Pipeline dashboard"
    stamp = f" Generated {generated:%Y-%m-%d %H:%M} UTC by salescli." if generated else ""
    sections = [funnel_section(funnel), forecast_section(forecast), lost_section(lost),
                slips_section(slips, titles or {}), stale_section(stale)]
    if goals is not None:
        sections.insert(0, goals_section(goals, won, base))
    if board is not None:
        sections.insert(0, board_section(board, titles or {}))
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(heading)} — as of {e(as_of)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{e(heading)}</h1>
<p class="meta">As of {e(as_of)} · {e(_filters_text(funnel["filters"]))}.{e(stamp)}</p>
</header>
{kpis(funnel, forecast, slips, stale)}
<main class="grid">
{chr(10).join(sections)}
</main>
</body>
</html>
"""


CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --track: #f0f4f8;
  --stage: #2f6fb3; --won: #2e7d32; --commit: #1565c0; --best-case: #64a6e8;
  --pipeline: #a9b8c7; --lost: #c0392b; --slip: #e08a1e; --slip2: #b35400;
  --steady: #7fb77e; --stale: #8e44ad; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 78rem; padding: 1rem; color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 0 0 .25rem; }
h3 { font-size: 1rem; margin: .75rem 0 .25rem; }
.meta, .summary, .more, caption { color: var(--muted); }
.summary { margin: 0 0 .75rem; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr));
  gap: .5rem; margin: 1rem 0; }
.kpis div { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
.kpis dt { color: var(--muted); font-size: .8rem; }
.kpis dd { margin: 0; font-size: 1.3rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.grid { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); }
section { border: 1px solid var(--line); border-radius: 6px; padding: 1rem; min-width: 0; }
.board { display: grid; gap: .75rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 12rem), 1fr)); }
.board h3 { font-size: 1rem; margin: 0; }
.board p.note, .board .note { color: var(--muted); font-size: .85rem; margin: 0;
  font-variant-numeric: tabular-nums; }
.board ol { list-style: none; margin: .4rem 0 0; padding: 0; }
.board li { border: 1px solid var(--line); border-radius: 4px; padding: .35rem .5rem;
  margin-bottom: .35rem; overflow-wrap: anywhere; }
.board li .title, .board li .note { display: block; }
svg.chart { display: block; overflow: visible; font-size: 13px; }
svg text { fill: var(--ink); }
svg text.note { fill: var(--muted); font-variant-numeric: tabular-nums; }
rect.track { fill: var(--track); }
rect.stage { fill: var(--stage); } rect.won { fill: var(--won); }
rect.commit { fill: var(--commit); } rect.best-case { fill: var(--best-case); }
rect.pipeline { fill: var(--pipeline); } rect.lost { fill: var(--lost); }
rect.slip { fill: var(--slip); } rect.slip2 { fill: var(--slip2); }
rect.steady { fill: var(--steady); } rect.stale { fill: var(--stale); }
line.marker { stroke: var(--ink); stroke-width: 2; }
.legend { list-style: none; padding: 0; margin: 0 0 .5rem; display: flex;
  flex-wrap: wrap; gap: .25rem 1rem; font-size: .85rem; }
.legend svg { vertical-align: -1px; }
.empty { padding: 1rem; background: var(--track); border-radius: 4px; color: var(--muted); }
.table { overflow-x: auto; margin-top: .75rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
caption { text-align: left; font-size: .8rem; padding-bottom: .25rem; }
th, td { padding: .25rem .5rem; border-bottom: 1px solid var(--line); text-align: left;
  white-space: nowrap; vertical-align: bottom; }
th { white-space: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { position: sticky; left: 0; background: #fff; }
@media (max-width: 40rem) {
  body { padding: .5rem; font-size: 14px; }
  h1 { font-size: 1.3rem; }
  section { padding: .75rem; }
}
@media print {
  @page { margin: 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .grid { display: block; }
  section { margin-bottom: 8mm; border-color: #bbb; }
  h2, h3 { break-after: avoid; }
  svg.chart, tr, .board li, .kpis div { break-inside: avoid; }
  th:first-child, td:first-child { position: static; }
  .table { overflow: visible; }
  th, td { white-space: normal; }
  td.num, td.date { white-space: nowrap; }
}
"""
