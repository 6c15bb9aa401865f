"""Report arithmetic (SPEC §7): pure functions from timelines to rows and totals.

No git, no files, no click: `history.py` supplies the timelines, the CLI the query.
Every report returns `{"report", "as_of", "filters", "rows", "totals"}`. Money is a
Decimal in cents, summed per currency unless the settings' `fx` converts it; rates
are 0..1 rounded to 4 decimals; day counts are rounded to 1 decimal.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from itertools import accumulate
from operator import itemgetter
from typing import TYPE_CHECKING
from typing import Any

from salescli.core.dates import DAY_SECONDS as DAY
from salescli.core.dates import iso_day
from salescli.core.dates import noon_utc
from salescli.core.dates import utc_day
from salescli.core.money import cents
from salescli.core.money import from_cents
from salescli.core.money import items_value
from salescli.core.money import weighted
from salescli.core.plain import Config  # noqa: F401 (reports.Config: the reports' input)

if TYPE_CHECKING:  # the timelines come from history.py; reports never read git
    from salescli.store.history import Timeline

CATEGORIES = ("won", "commit", "best-case", "pipeline")
OVERDUE = "overdue"  # the forecast's period of open deals whose close date has passed
CHANGES = ("new", "advanced", "moved-back", "won", "lost", "value-up", "value-down",
           "slipped", "new-leads", "converted")


@dataclass
class Query:
    """What a report is asked: the moment, the window and the filters."""

    as_of: float                  # epoch seconds: history after this is ignored
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive; defaults to the as-of date
    pipeline: str | None = None
    owner: str | None = None
    source: str | None = None
    by: str | None = None
    account: str | None = None  # --account: its deals (and its child accounts')...
    deal_ids: frozenset[str] | None = None  # ...by their IDs, as the files are now
    as_of_date: dt.date = field(init=False)
    last: dt.date = field(init=False)  # the window's last day
    asked_until: dt.date | None = field(init=False)  # --until as given: a forecast's
    #                                                  close dates run past the as-of date

    def __post_init__(self) -> None:
        self.as_of_date = utc_day(self.as_of)
        self.asked_until = self.until
        if self.until and self.until > self.as_of_date:
            self.until = self.as_of_date  # nothing is known after the as-of moment
        self.last = self.until or self.as_of_date

    def in_window(self, day: dt.date | None) -> bool:
        return day is not None and (self.since is None or day >= self.since) \
            and day <= self.last

    def filters(self) -> dict[str, Any]:
        out = {"since": self.since, "until": self.until, "pipeline": self.pipeline,
               "owner": self.owner, "source": self.source}
        if self.by:
            out["by"] = self.by
        if self.account:
            out["account"] = self.account
        return out


def rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def days(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


# what a Deal reads of its timeline's values, by name: its attributes of the same
# names, then the stored value and currency it prices when asked
READS = ("stage", "status", "pipeline", "owner", "source", "close_date", "probability",
          "forecast", "lost_reason", "won_date", "lost_date", "value", "currency")
_ATTRS = READS[:-2]


class Deal:
    """A deal as it was at the query's moment, with its timeline."""

    __slots__ = ("timeline", "id", "created_date", "_money", "_config", *_ATTRS)

    def __init__(self, timeline: Timeline, read: tuple, config: Config,
                 at: float = float("inf")):
        self.timeline = timeline
        self.id = timeline.id_at(at) if timeline.paths else timeline.id
        self.created_date = utc_day(timeline.created)
        (self.stage, self.status, self.pipeline, self.owner, self.source, self.close_date,
         self.probability, self.forecast, self.lost_reason, self.won_date,
         self.lost_date) = read[:len(_ATTRS)]
        # the stored value and currency until priced, when first asked (a funnel never
        # asks); then the priced value and currency, and no config
        self._money: tuple = read[len(_ATTRS):]
        self._config: Config | None = config

    @property
    def value(self) -> Decimal | None:
        """The value in the settings' currency where the rates convert it, to the cent."""
        return self._priced()[0]

    @property
    def currency(self) -> str:
        return self._priced()[1]

    def _priced(self) -> tuple[Decimal | None, str]:
        config = self._config
        if config is not None:
            stored, currency = self._money
            self._money, self._config = converted(price(stored, config), currency, config), None
        return self._money

    def closed_on(self, status: str) -> dt.date | None:
        """When the deal was won or lost: its won_date/lost_date, else the commit's date."""
        if self.status != status:
            return None
        recorded = iso_day(self.won_date if status == "won" else self.lost_date)
        if recorded:
            return recorded
        changes = self.timeline.history("status", float("inf"))
        when = next((t for t, v in reversed(changes) if v == status), self.timeline.created)
        return utc_day(when)


def converted(value: Decimal | None, currency: str | None, config: Config
              ) -> tuple[Decimal | None, str]:
    """A value in `currency` (None: the settings') as reports count it: in the settings'
    currency where the rates convert it, to the cent, else as it is."""
    currency = currency or config.currency
    if currency != config.currency and currency in config.fx and value is not None:
        return cents(value * config.fx[currency]), config.currency
    return value, currency


def price(value: Any, config: Config) -> Decimal | None:
    """A stored value (cents, or a deal's items to price) as money."""
    if value is None:
        return None
    if isinstance(value, int):
        return from_cents(value)
    products = config.products if isinstance(value, tuple) else None
    if products is not None:
        from salescli.core.model import Item

        keys = ("product", "quantity", "unit_price", "discount", "billing", "cycles")
        items = []
        for raw in value[1]:
            # the item as history read it: text where given, numbers made exact here;
            # history keeps no names (a name never prices), so one stands in
            given = {k: v for k, v in zip(keys, raw, strict=True) if v is not None}
            given.setdefault("name", "-")
            try:
                for key in ("quantity", "unit_price", "discount"):
                    if key in given:
                        given[key] = Decimal(given[key])
                if "cycles" in given:
                    given["cycles"] = int(given["cycles"])
                items.append(Item.of(**given))
            except (ArithmeticError, ValueError):
                return None
        return items_value(items, products)
    return None


_UNWANTED = object()  # a Book's deal the filters leave out


class Book:
    """The deals and leads a report looks at, as of the query's moment.

    A deal is made when a report first asks for it, once: all of them (`deals`), or
    only those created in the window (`created_in_window`, the funnel's) or in some
    statuses (`with_status`, two in three deals being lost ones): on 10,000 deals,
    making them is most of a report's time.
    """

    def __init__(self, timelines: Iterable[Timeline], config: Config, query: Query,
                 skipped: Iterable[str] = ()):
        self.config, self.query = config, query
        self.skipped = list(skipped)  # files whose committed version `check` rejects
        # (pipeline, stage) -> deals a report found in a stage their pipeline does not
        # have (renamed or removed since): counted in no stage, at 0 % (`unknown_stages`)
        self.unknown: dict[tuple[str, str], set[str]] = {}
        self.undated: set[str] = set()  # open deals the forecast left out: no close_date
        self.base = config.currency
        self._timelines: list[Timeline] = []
        self._deals: list[Deal] | None = None
        self.leads: list[tuple[Timeline, dict[str, Any]]] = []
        for tl in timelines:
            if not tl.exists(query.as_of):
                continue
            if query.deal_ids is not None and (tl.kind == "lead" or tl.id not in query.deal_ids):
                continue  # an account's report: its deals; a lead is no account's yet
            if tl.kind != "lead":
                self._timelines.append(tl)
                continue
            state = tl.state(query.as_of)
            if self._wanted(state.get("owner"), state.get("source")):
                self.leads.append((tl, state))
        # each timeline's deal once made, and what it read of the timeline's values
        # (_UNWANTED where the filters leave it out)
        self._made: list[Deal | None] = [None] * len(self._timelines)
        self._got: list[tuple | object | None] = [None] * len(self._timelines)

    def unknown_stage(self, pipeline: str | None, stage: str | None, deal_id: str) -> None:
        """Note a deal found in a stage its pipeline does not have."""
        if stage is not None:
            name = self.config.pipeline_or_default(pipeline)
            self.unknown.setdefault((name, stage), set()).add(deal_id)

    @property
    def deals(self) -> list[Deal]:
        if self._deals is None:
            self._deals = self._where()
        return self._deals

    def created_in_window(self) -> list[Deal]:
        """The deals created in the query's window."""
        return self._where(self._created_in_window)

    def with_status(self, *statuses: str) -> list[Deal]:
        """The deals in one of these statuses as of the moment."""
        return self._where(statuses=statuses)

    def states_created_in_window(self) -> list[tuple[Timeline, tuple]]:
        """The deals created in the window as (timeline, values in `READS` order), not
        made into Deals: what the funnel needs of each of 10,000 deals."""
        return [(tl, values) for _, tl, values in self._read(self._created_in_window)]

    def _created_in_window(self, tl: Timeline) -> bool:
        return self.query.in_window(utc_day(tl.created))

    def _where(self, timeline: Callable[[Timeline], bool] | None = None,
               statuses: tuple[str, ...] | None = None) -> list[Deal]:
        """The deals `_read` gives, each made once."""
        if self._deals is not None:
            return [d for d in self._deals if (timeline is None or timeline(d.timeline))
                    and (statuses is None or d.status in statuses)]
        config, at, made = self.config, self.query.as_of, self._made
        deals = []
        for i, tl, values in self._read(timeline, statuses):
            d = made[i]
            if d is None:
                d = made[i] = Deal(tl, values, config, at)
            deals.append(d)
        return deals

    def _read(self, timeline: Callable[[Timeline], bool] | None = None,
              statuses: tuple[str, ...] | None = None
              ) -> Iterator[tuple[int, Timeline, tuple]]:
        """(place, timeline, values in `READS` order) of each deal whose `timeline` and
        status (one of `statuses`) are asked for and the filters take, as of the moment,
        in the timelines' order. A timeline's values are read once (as of a past moment
        that walks its changes)."""
        at, got = self.query.as_of, self._got
        reads: dict[tuple[str, ...], Callable[[list], tuple]] = {}  # by the timeline's fields
        for i, tl in enumerate(self._timelines):
            if timeline is not None and not timeline(tl):
                continue
            values = got[i]
            if values is None:
                read = reads.get(tl.fields)
                if read is None:
                    read = reads[tl.fields] = itemgetter(*map(tl.fields.index, READS))
                values = got[i] = read(tl.values(at))
                if not self._wanted(values[3], values[4], values[2]):  # owner, source, pipeline
                    values = got[i] = _UNWANTED
            if values is not _UNWANTED and (statuses is None or values[1] in statuses):
                yield i, tl, values

    def _wanted(self, owner: str | None, source: str | None,
                pipeline: str | None | bool = False) -> bool:
        """Whether the filters take a record of this owner and source (and a deal's
        pipeline: a lead has none, False)."""
        q = self.query
        if q.owner and owner != q.owner:
            return False
        if q.source and source != q.source:
            return False
        if pipeline is not False and q.pipeline and \
                self.config.pipeline_or_default(pipeline) != q.pipeline:
            return False
        return True

    def payload(self, name: str, rows: list[dict], totals: dict) -> dict[str, Any]:
        return payload(self.query, name, rows, totals, self.skipped)


def payload(query: Query, name: str, rows: list[dict], totals: dict, skipped: list[str]
            ) -> dict[str, Any]:
    """A report's JSON shape (SPEC §7)."""
    return {"report": name, "as_of": query.as_of_date, "filters": query.filters(),
            "rows": rows, "totals": totals, "skipped": skipped}


def _sum(values: Iterable[Decimal | None]) -> Decimal:
    return cents(sum((v for v in values if v is not None), Decimal(0)))


def _by_currency(deals: Iterable[Deal]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for d in deals:
        out[d.currency] += d.value or 0
    return {c: cents(v) for c, v in sorted(out.items())}


# ----------------------------------------------------------------------- funnel


def stage_spans(tl: Timeline, until: float, pipeline: str, default: str
                ) -> tuple[dict[str, float], tuple[str, float, float] | None]:
    """Every stage a deal was in while in `pipeline` (`default`: the pipeline of a deal
    naming none), with the days it spent there while open, up to the win or loss for a
    closed one: a deal moved from another pipeline (`deal move --pipeline`) passed that
    one's stages there, not here. For a deal still open there, also (its stage, the
    days before, when it entered it last): its days there grow with the clock, and are
    `days before + (until - entered)` up to the moment `until`."""
    spent: dict[str, float] = {}
    stage = status = here = None
    start = tl.created
    for when, name, new in tl.moves:
        if when > until:
            break
        if stage is not None and status == "open" and (here or default) == pipeline:
            spent[stage] = spent.get(stage, 0.0) + (when - start) / DAY
        if name == "stage":
            stage = new
        elif name == "status":
            status = new
        else:  # a commit's pipeline comes after its stage: the stage is entered then
            here = new
        if stage is not None and stage not in spent and (here or default) == pipeline:
            spent[stage] = 0.0  # entered, even if only for a moment
        start = when
    if stage is not None and status == "open" and (here or default) == pipeline:
        return spent, (stage, spent.get(stage, 0.0), start)
    return spent, None


def funnel(book: Book) -> dict[str, Any]:
    return funnel_at(funnel_parts(book), book.query)


def funnel_parts(book: Book) -> dict[str, Any]:
    """The funnel as plain data (marshal's), but for the median days in each stage; for
    those, the days each deal spent in each stage, and under `open`, of a deal still
    open in a stage, (its days there before, when it entered it): its days there grow
    with the clock (`funnel_at` adds them up). Nothing else changes while the history
    and the as-of day are the same, and no change is later than the moment: what
    `report funnel` keeps (services.reports)."""
    q = book.query
    name = book.config.pipeline_or_default(q.pipeline)
    stages = book.config.stage_ids(name)
    # (timeline, stage, status) of each deal: 10,000 of them are not made into Deals
    pipeline_of = book.config.pipeline_or_default
    deals = [(tl, v[0], v[1]) for tl, v in book.states_created_in_window()
             if pipeline_of(v[2]) == name]  # READS: stage, status, pipeline
    index = {s: i for i, s in enumerate(stages)}
    tops = [0] * (len(stages) + 1)  # how many deals got no further than each stage (-1: none)
    lost_here, open_here = Counter(), Counter()
    spent: dict[str, list[float]] = defaultdict(list)
    growing: dict[str, list[tuple[float, float]]] = defaultdict(list)
    won = lost = still_open = 0
    for tl, stage, status in deals:
        spent_here, still = stage_spans(tl, q.as_of, name, book.config.default_pipeline)
        if still is not None:
            growing[still[0]].append(still[1:])
        if status == "won":
            won += 1
            tops[len(stages) - 1] += 1  # a won deal reached every stage
        else:
            tops[max((index[s] for s in spent_here if s in index), default=-1)] += 1
            if status == "lost":
                lost += 1
                lost_here[stage] += 1
            elif status == "open":
                still_open += 1
                open_here[stage] += 1
        for stage, n in spent_here.items():
            if still is None or stage != still[0]:  # (that one's are growing)
                spent[stage].append(n)
            if stage not in index:  # renamed or removed since: said, not dropped silently
                book.unknown_stage(name, stage, tl.id)
    # a deal reached every stage up to the furthest it got to (skipping counts)
    reached = list(accumulate(reversed(tops[:-1])))[::-1]
    rows = []
    for i, stage in enumerate(stages):
        after = reached[i + 1] if i + 1 < len(stages) else won
        rows.append({"stage": stage, "reached": reached[i],
                     "conversion": rate(after, reached[i]), "lost_here": lost_here[stage],
                     "open_here": open_here[stage], "median_days": None})
    totals = {"deals": len(deals), "won": won, "lost": lost, "open": still_open,
              "win_rate": rate(won, won + lost)}
    return {"rows": rows, "totals": totals, "skipped": book.skipped, "pipeline": name,
            "spent": {s: spent[s] for s in stages}, "open": {s: growing[s] for s in stages}}


def funnel_at(parts: dict[str, Any], query: Query) -> dict[str, Any]:
    """The funnel of `funnel_parts` at the query's moment."""
    at = query.as_of
    rows = [dict(row) for row in parts["rows"]]
    for row in rows:
        stage = row["stage"]
        grown = [before + max(0.0, at - start) / DAY for before, start in parts["open"][stage]]
        row["median_days"] = days(parts["spent"][stage] + grown)
    out = payload(query, "funnel", rows, parts["totals"], parts["skipped"])
    out["filters"]["pipeline"] = parts["pipeline"]
    return out


# --------------------------------------------------------------------- forecast


def period(day: dt.date, by: str) -> str:
    if by == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def board(book: Book) -> dict[str, Any]:
    """The open deals of the pipeline as of the moment, a column per stage (the
    dashboard's board; `salescli board` reads the same from the record index)."""
    from salescli.core.board import assemble

    q, config = book.query, book.config
    name = config.pipeline_or_default(q.pipeline)
    cards = []
    for d in book.with_status("open"):
        if config.pipeline_or_default(d.pipeline) != name:
            continue
        entered = d.timeline.stage_since(q.as_of)
        cards.append({"id": d.id, "title": d.id, "account": None, "owner": d.owner,
                      "stage": d.stage, "value": d.value, "currency": d.currency,
                      "probability": d.probability, "since": utc_day(entered),
                      "days": (q.as_of_date - utc_day(entered)).days})  # as `board`: days
    stages = [(s, s, p) for s, p in config.stages_of(name)]
    return assemble(name, q.as_of_date, q.owner, stages, cards)


def probability(d: Deal, config: Config) -> Decimal:
    if d.probability is not None:
        return Decimal(str(d.probability))
    return config.stage_probability(d.pipeline, d.stage)


def category(d: Deal, prob: Decimal) -> str:
    if d.forecast in ("commit", "best-case", "pipeline", "omit"):
        return d.forecast
    return "commit" if prob >= 70 else "best-case" if prob >= 40 else "pipeline"


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def forecast(book: Book) -> dict[str, Any]:
    return forecast_at(forecast_parts(book), book.query)


def forecast_parts(book: Book) -> dict[str, Any]:
    """Open deals by close period and category, then what was won in each period, as
    plain data (marshal's: money as its text). As of a day it is all fixed while the
    history is (what `report forecast` keeps, services.reports); `forecast_at` makes
    it the report.

    Open deals whose close date is before the as-of date are one period, `overdue`
    (listed first, split by category like any period), not their passed month.
    --since/--until limit the open deals' close dates (--until may be after the
    as-of date). `won` rows cover every period in which deals were won from --since
    (default: the first day of the quarter the window ends in) to the window's last
    day, so a quarter's won row is the sum of its months' rows.
    """
    q = book.query
    by = q.by or "month"
    groups: dict[tuple[str, str, str], list] = {}

    def add(key: tuple[str, str, str], value: Decimal | None, weighted: Decimal) -> None:
        row = groups.setdefault(key, [0, Decimal(0), Decimal(0)])
        row[0] += 1
        row[1] += value or 0
        row[2] += weighted

    deals = book.with_status("open", "won")
    for d in deals:
        close = iso_day(d.close_date)
        if d.status != "open":
            continue
        if close is None:  # `check` refuses it: said (warn_uncounted), never silent
            book.undated.add(d.id)
            continue
        if (q.since and close < q.since) or (q.asked_until and close > q.asked_until):
            continue
        prob = probability(d, book.config)
        if d.stage not in book.config.stage_ids(d.pipeline):
            book.unknown_stage(d.pipeline, d.stage, d.id)
        cat = category(d, prob)
        if cat == "omit":
            continue
        when = OVERDUE if close < q.as_of_date else period(close, by)
        add((when, cat, d.currency), d.value, weighted(d.value, prob))
    won_since = q.since or quarter_start(q.last)
    for d in deals:
        won = d.closed_on("won")
        if won and won_since <= won <= q.last:
            add((period(won, by), "won", d.currency), d.value, d.value or Decimal(0))
    rows = [{"period": p, "category": c, "currency": cur, "count": n,
             "value": cents(v), "weighted": cents(w)}
            for (p, c, cur), (n, v, w) in
            sorted(groups.items(), key=lambda kv: (kv[0][0] != OVERDUE, kv[0][0],
                                                   CATEGORIES.index(kv[0][1]), kv[0][2]))]
    totals: dict[str, Any] = {}
    for row in rows:
        if row["category"] == "won":
            continue
        t = totals.setdefault(row["currency"], {"count": 0, "value": Decimal(0),
                                                "weighted": Decimal(0)})
        t["count"] += row["count"]
        t["value"] += row["value"]
        t["weighted"] += row["weighted"]
    return {"rows": [{**row, "value": str(row["value"]), "weighted": str(row["weighted"])}
                     for row in rows],
            "totals": {c: [t["count"], str(t["value"]), str(t["weighted"])]
                       for c, t in totals.items()},
            "skipped": book.skipped}


def forecast_at(parts: dict[str, Any], query: Query) -> dict[str, Any]:
    """The forecast of `forecast_parts` as the report gives it (money as Decimals)."""
    rows = [{**row, "value": Decimal(row["value"]), "weighted": Decimal(row["weighted"])}
            for row in parts["rows"]]
    totals = {c: {"count": n, "value": Decimal(v), "weighted": Decimal(w)}
              for c, (n, v, w) in parts["totals"].items()}
    out = payload(query, "forecast", rows, {"open": totals}, parts["skipped"])
    out["filters"]["until"] = query.asked_until
    return out


# ------------------------------------------------------------------------ cycle


def _p75(values: list[int]) -> float:
    if len(values) == 1:
        return float(values[0])
    return round(statistics.quantiles(values, n=4, method="inclusive")[2], 1)


def _group(d: Deal, by: str | None) -> str:
    if by == "source":
        return d.source or "(none)"
    if by == "owner":
        return d.owner or "(none)"
    if by == "start-month":
        return period(d.created_date, "month")
    return "all"


def won_cycles(book: Book) -> list[tuple[Deal, int]]:
    out = []
    for d in book.with_status("won"):
        won = d.closed_on("won")
        if won and book.query.in_window(won):
            out.append((d, (won - d.created_date).days))
    return out


def cycle(book: Book) -> dict[str, Any]:
    groups: dict[str, list[int]] = defaultdict(list)
    cycles = won_cycles(book)
    for d, n in cycles:
        groups[_group(d, book.query.by)].append(n)

    def row(group: str, values: list[int]) -> dict[str, Any]:
        # no deal won: the same keys, null, so a script reads them alike
        return {"group": group, "count": len(values),
                "median_days": days([float(v) for v in values]) if values else None,
                "mean_days": round(statistics.fmean(values), 1) if values else None,
                "p75_days": _p75(values) if values else None}

    rows = [row(g, v) for g, v in sorted(groups.items())]
    totals = row("all", [n for _, n in cycles])
    del totals["group"]
    return book.payload("cycle", rows, totals)


# ------------------------------------------------------------------------- lost


def lost(book: Book) -> dict[str, Any]:
    deals = [d for d in book.with_status("lost") if book.query.in_window(d.closed_on("lost"))]
    groups: dict[tuple[str, str, str], list[Deal]] = defaultdict(list)
    for d in deals:
        groups[(d.lost_reason or "(none)", d.stage or "(none)", d.currency)].append(d)
    rows = [{"reason": r, "stage": s, "currency": c, "count": len(ds),
             "value": _sum(d.value for d in ds), "share": rate(len(ds), len(deals))}
            for (r, s, c), ds in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    by_source = Counter(d.source or "(none)" for d in deals)
    totals = {"count": len(deals), "value": _by_currency(deals),
              "by_reason": dict(Counter(d.lost_reason or "(none)" for d in deals)
                                .most_common()),
              "by_source": dict(by_source.most_common())}
    return book.payload("lost", rows, totals)


# ------------------------------------------------------------------------ slips


def slips_of(d: Deal, query: Query) -> int:
    return sum(1 for when, _, name, old, new, counted in d.timeline.changes
               if name == "close_date" and counted and when <= query.as_of
               and old is not None and new is not None and new > old
               and query.in_window(utc_day(when)))


def open_in_window(d: Deal, query: Query) -> bool:
    """The deal was open on some day of the window (one that could slip in it): there
    by its end, and open when it began or opened (reopened) during it."""
    if d.created_date is not None and d.created_date > query.last:
        return False
    if query.since is None:
        return True
    changes = d.timeline.history("status", query.as_of)
    then = next((v for t, v in reversed(changes) if utc_day(t) < query.since), "open")
    return then == "open" or any(v == "open" and query.in_window(utc_day(t))
                                 for t, v in changes)


def slips(book: Book) -> dict[str, Any]:
    counts = {d.id: (slips_of(d, book.query), d) for d in book.deals
              if open_in_window(d, book.query)}
    rows = [{"deal": i, "slips": n, "close_date": iso_day(d.close_date)}
            for i, (n, d) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
            if n >= 2]
    totals = {"deals": len(counts), "slipped": sum(1 for n, _ in counts.values() if n),
              "slips": sum(n for n, _ in counts.values()), "two_or_more": len(rows)}
    return book.payload("slips", rows, totals)


# --------------------------------------------------------------------- activity


@dataclass
class ActivityRecord:
    """A record's activities as the CLI read them (reports never read files)."""

    kind: str
    id: str
    owner: str | None
    source: str | None
    pipeline: str | None
    activities: list[Any] = field(default_factory=list)


def activity_events(rec: ActivityRecord
                    ) -> Iterable[tuple[Any, str | None, bool, str | None]]:
    """Each activity of a record with its owner (its own, else the record's) and, for a
    meeting, whether it is a new booking and what it answers as: `held` (held, or
    logged with no status), `cancelled`, or None (a booking, or no meeting). A meeting
    is logged when booked and again when held or cancelled; one logged only as held
    was booked and held at once; a meeting that is a task (it has `due`) is neither
    (`today.meeting_answers` pairs them: one rule for today and every report)."""
    from salescli.core.today import meeting_answers

    answers = meeting_answers(rec.activities)
    for n, a in enumerate(rec.activities):
        owner = a.owner or rec.owner
        if n not in answers:
            yield a, owner, False, None
        elif a.status == "booked":
            yield a, owner, True, None
        else:
            yield (a, owner, answers[n] is None,
                   "cancelled" if a.status == "cancelled" else "held")


def activity(book: Book, records: list[ActivityRecord]) -> dict[str, Any]:
    """Activities that happened (`today.happened`: a booking is counted when it is held
    or cancelled, once, as the goals count it; an open task when done) by period, type
    and owner; the meetings booked, held and cancelled; activities per won deal."""
    from salescli.core.today import happened

    q = book.query
    by = q.by or "month"
    counts: Counter = Counter()
    booked = held = cancelled = 0
    won = sum(1 for d in book.with_status("won") if q.in_window(d.closed_on("won")))
    for rec in records:
        if q.source and rec.source != q.source:
            continue
        if q.pipeline and (rec.kind != "deal" or
                           book.config.pipeline_or_default(rec.pipeline) != q.pipeline):
            continue
        for a, owner, new_booking, answered in activity_events(rec):
            if q.owner and owner != q.owner:
                continue
            if not q.in_window(a.date):
                continue
            if happened(a) is not None:
                counts[(period(a.date, by), a.type, owner or "(none)")] += 1
            booked += new_booking
            held += answered == "held"
            cancelled += answered == "cancelled"
    rows = [{"period": p, "type": t, "owner": o, "count": n}
            for (p, t, o), n in sorted(counts.items())]
    totals = {"activities": sum(counts.values()), "meetings_booked": booked,
              "meetings_held": held, "meetings_cancelled": cancelled,
              "won_deals": won,  # seed 000: actions in the period per deal won in it
              "activities_per_won_deal": round(sum(counts.values()) / won, 2) if won else None}
    return book.payload("activity", rows, totals)


# ---------------------------------------------------------------------- sources


def first_contact_hours(tl: Timeline, until: float, reached: dt.date | None = None
                        ) -> float | None:
    """Hours from a lead's creation to its first contact, up to `until`: the day of its
    first activity that reaches it (`reached`, as `log` and `today`'s SLA count it) or
    its status first becoming contacted or qualified (what `lead contact` and an
    import may have alone), whichever is first. The day counts as noon UTC only when
    earlier than the status change's day: on that day the change's commit is the time.
    A lead disqualified from `new` with no such activity was never contacted."""
    changed = next((when for when, _, name, old, new, _ in tl.changes if when <= until
                    and name == "status" and old is not None
                    and new in ("contacted", "qualified")), None)
    if reached is not None and reached <= utc_day(until) \
            and (changed is None or reached < utc_day(changed)):
        changed = min(noon_utc(reached).timestamp(), until)  # the activity's time: unknown
    return None if changed is None else max(0.0, (changed - tl.created) / 3600)


def sources(book: Book, reached: Mapping[str, dt.date] | None = None) -> dict[str, Any]:
    """`report sources`; `reached`: lead id -> the day of its first activity that
    reaches it (`first_contact_hours`)."""
    q = book.query
    reached = reached or {}
    sla = book.config.sla_days * 24
    rows: dict[str, dict[str, Any]] = {}

    def row(source: str | None) -> dict[str, Any]:
        key = source or "(none)"
        return rows.setdefault(key, {
            "source": key, "leads": 0, "contacted": 0, "qualified": 0, "disqualified": 0,
            "deals": 0, "won": 0, "lost": 0, "won_value": Decimal(0), "currency": book.base,
            "_hours": []})

    breaches = 0
    every_hours: list[float] = []
    for tl, state in book.leads:
        if not q.in_window(utc_day(tl.created)):
            continue
        r = row(state.get("source"))
        r["leads"] += 1
        status = state.get("status")
        hours = first_contact_hours(tl, q.as_of, reached.get(tl.id))
        if hours is not None or status in ("contacted", "qualified"):
            r["contacted"] += 1
        r["qualified"] += status == "qualified"
        r["disqualified"] += status == "disqualified"
        if hours is not None:
            r["_hours"].append(hours)
            every_hours.append(hours)
            breaches += hours > sla
        elif status == "new" and (q.as_of - tl.created) / 3600 > sla:
            breaches += 1
    unconverted: dict[str, Decimal] = defaultdict(Decimal)
    for d in book.created_in_window():
        r = row(d.source)
        r["deals"] += 1
        r["lost"] += d.status == "lost"
        if d.status == "won":
            r["won"] += 1
            if d.currency == book.base:
                r["won_value"] += d.value or 0
            else:
                unconverted[d.currency] += d.value or 0
    out = []
    for key in sorted(rows):
        r = rows[key]
        hours = r.pop("_hours")
        r["won_value"] = cents(r["won_value"])
        r["qualify_rate"] = rate(r["qualified"], r["leads"])
        r["win_rate"] = rate(r["won"], r["won"] + r["lost"])  # as the funnel's: of the closed
        r["median_first_contact_hours"] = days(hours)
        out.append(r)
    totals = {"leads": sum(r["leads"] for r in out), "deals": sum(r["deals"] for r in out),
              "won": sum(r["won"] for r in out),
              "median_first_contact_hours": days(every_hours), "sla_hours": sla,
              "sla_breaches": breaches,
              "won_value_unconverted": {c: cents(v) for c, v in unconverted.items()}}
    return book.payload("sources", out, totals)


# --------------------------------------------------------------------- velocity


def velocity(book: Book) -> dict[str, Any]:
    q = book.query
    cycles = won_cycles(book)
    rows = []
    for currency in sorted({d.currency for d in book.deals}):
        deals = [d for d in book.deals if d.currency == currency]
        open_deals = sum(1 for d in deals if d.status == "open")
        won = [(d, n) for d, n in cycles if d.currency == currency]
        lost_n = sum(1 for d in deals if q.in_window(d.closed_on("lost")))
        win_rate = rate(len(won), len(won) + lost_n)
        avg = cents(_sum(d.value for d, _ in won) / len(won)) if won else None
        median = days([float(n) for _, n in won])
        speed = None
        if win_rate is not None and avg is not None and median:
            # from the exact figures, not the row's rounded ones
            total = _sum(d.value for d, _ in won)
            cycle = Decimal(str(statistics.median(n for _, n in won)))
            speed = cents(open_deals * total / (len(won) + lost_n) / cycle)
        rows.append({"currency": currency, "open_deals": open_deals, "win_rate": win_rate,
                     "avg_won_value": avg, "median_cycle_days": median, "velocity": speed})
    return book.payload("velocity", rows, {"unit": "value per day"})


# ---------------------------------------------------------------------- changes


Include = Callable[[float, str], bool]  # (event time, commit) -> in the report's scope


# what else `review` shows a reviewer (report changes keeps to CHANGES, SPEC §7): a
# closed deal reopened, a close date pulled in, and a change of these fields
OTHER_CHANGES = ("reopened", "pulled-in", "owner", "probability", "forecast", "currency",
                 "pipeline")


def deal_events(book: Book, include: Include, every: bool = False) -> list[dict]:
    """One dict per deal event in scope: new, advanced, moved-back, won, lost, value, slip;
    with `every`, the OTHER_CHANGES too.

    The engine of `report changes` (scope: a time window) and `review` (scope: the
    commits of a range, every change).
    """
    events: list[dict] = []
    for d in book.deals:
        tl = d.timeline
        # the commits that put the deal in another pipeline (`deal move --pipeline`):
        # their stage change is no advance or move back, the stages are another's
        switched = switches(tl, book.config.default_pipeline)
        pipeline = None  # the deal's pipeline as each change finds it
        if tl.changes and include(tl.created, tl.changes[0][1]):
            first = state_after(tl, tl.changes[0][1])
            value, currency = converted(price(first.get("value"), book.config),
                                        first.get("currency"), book.config)
            events.append({"change": "new", "deal": d.id, "currency": currency,
                           "value": value, "time": tl.created, "commit": tl.changes[0][1],
                           "field": None, "old": None, "new": None})
        for when, commit, name, old, new, counted in tl.changes:
            if name == "pipeline":
                pipeline = new
            if not counted or not include(when, commit):
                continue
            kind, value, currency = None, None, d.currency
            if old is None or new is None:  # set or cleared (not by the deal's creation)
                if every and name in ("owner", "probability", "forecast", "pipeline") \
                        and commit != tl.changes[0][1]:
                    events.append({"change": name, "deal": d.id, "currency": d.currency,
                                   "value": None, "time": when, "commit": commit,
                                   "field": name, "old": old, "new": new, "reason": None})
                continue
            if name == "stage" and commit not in switched:
                stages = book.config.stage_ids(pipeline)
                if old in stages and new in stages:
                    kind = "advanced" if stages.index(new) > stages.index(old) \
                        else "moved-back"
                else:  # renamed or removed since: said, never dropped silently
                    for gone in {old, new} - set(stages):
                        book.unknown_stage(pipeline, gone, d.id)
            elif name == "status" and new in ("won", "lost"):
                kind = new
            elif name == "value":  # cents, or items priced as reports price them
                old, new = price(old, book.config), price(new, book.config)
                if old is not None and new is not None and old != new:
                    # in the currency of that moment, as the rates count it: the old and
                    # new values too, so that the event adds up in its own currency
                    at = before = state_after(tl, commit).get("currency")
                    for _, by, field_name, was, _, _ in tl.changes:
                        if by == commit and field_name == "currency":
                            before = was  # the old value was in the currency before
                    (old, was_in), (new, currency) = (converted(old, before, book.config),
                                                      converted(new, at, book.config))
                    if old != new and was_in == currency:  # else: no rate compares them
                        kind = "value-up" if new > old else "value-down"
                        value = new - old
            elif name == "close_date" and new > old:
                kind = "slipped"
            elif not every:
                pass
            elif name == "status" and new == "open":
                kind = "reopened"
            elif name == "close_date" and new < old:
                kind = "pulled-in"
            elif name in OTHER_CHANGES:
                kind, value = name, None
            then: dict[str, Any] = {}
            if kind and kind != name and value is None:  # (a field's own change: no value)
                # what the deal was worth then: a past window's figures stay as they were
                then = state_after(tl, commit)
                value, currency = converted(price(then.get("value"), book.config),
                                            then.get("currency"), book.config)
            if kind:
                events.append({"change": kind, "deal": d.id, "currency": currency,
                               "value": value, "time": when, "commit": commit,
                               "field": name, "old": old, "new": new,
                               "reason": then.get("lost_reason")  # (a loss has `then`)
                               if kind == "lost" else None})
    return events


def switches(tl: Timeline, default: str) -> set[str]:
    """The commits that put a deal in another pipeline (`deal move --pipeline`; not its
    creation): the stage it then has is that pipeline's, no move within one."""
    first = tl.changes[0][1] if tl.changes else None
    return {c for _, c, name, old, new, _ in tl.changes
            if name == "pipeline" and c != first and (old or default) != (new or default)}


def state_after(tl: Timeline, commit: str) -> dict[str, Any]:
    """The fields as `commit` left them: its changes and every one before it, not those
    of a later commit of the same second (`--date DAY` dates each at noon); {} when the
    commit did not change the record (a commit's changes are consecutive in it)."""
    out: dict[str, Any] = {}
    seen = False
    for _, made_by, name, _, new, _ in tl.changes:
        if made_by == commit:
            seen = True
        elif seen:
            break
        out[name] = new
    return out if seen else {}


def lead_events(book: Book, include: Include) -> list[dict]:
    """New leads and conversions (a lead's status becoming qualified) in scope."""
    events: list[dict] = []
    for tl, _ in book.leads:
        if tl.changes and include(tl.created, tl.changes[0][1]):
            events.append({"change": "new-leads", "deal": tl.id, "currency": None,
                           "time": tl.created, "commit": tl.changes[0][1]})
        for when, commit, name, old, new, counted in tl.changes:
            if counted and name == "status" and new == "qualified" and old is not None \
                    and include(when, commit):
                events.append({"change": "converted", "deal": tl.id, "currency": None,
                               "time": when, "commit": commit})
    return events


def change_rows(events: list[dict], base: str) -> list[dict]:
    """Events grouped as `changes` rows: every kind, in order, per currency."""
    grouped: dict[tuple[str, str | None], list[dict]] = defaultdict(list)
    for e in events:
        grouped[(e["change"], e["currency"])].append(e)
    rows = []
    for change in CHANGES:
        keys = sorted((k for k in grouped if k[0] == change), key=lambda k: k[1] or "") \
            or [(change, base if change not in ("new-leads", "converted") else None)]
        for key in keys:
            evs = grouped.get(key, [])
            ids = list(dict.fromkeys(e["deal"] for e in evs))
            money = None if key[1] is None else _sum(e.get("value") for e in evs)
            rows.append({"change": change, "currency": key[1], "count": len(evs),
                         "value": money, "deals": ids})
    return rows


def changes(book: Book) -> dict[str, Any]:
    q = book.query
    since_day = q.since or q.last - dt.timedelta(days=6)  # a week: the Monday report
    start = dt.datetime.combine(since_day, dt.time(), dt.UTC).timestamp() - 1e-6
    end = min(q.as_of, dt.datetime.combine(q.last, dt.time.max, dt.UTC).timestamp())

    def include(when: float, commit: str) -> bool:
        return start < when <= end

    events = deal_events(book, include) + lead_events(book, include)
    payload = book.payload("changes", change_rows(events, book.base), {"events": len(events)})
    payload["filters"]["since"] = since_day
    return payload


def open_pipeline(book: Book) -> dict[str, dict[str, Any]]:
    """Open deals per currency: count, value and probability-weighted value."""
    out: dict[str, dict[str, Any]] = {}
    for d in book.deals:
        if d.status != "open":
            continue
        t = out.setdefault(d.currency, {"count": 0, "value": Decimal(0),
                                        "weighted": Decimal(0)})
        t["count"] += 1
        t["value"] += d.value or 0
        t["weighted"] += weighted(d.value, probability(d, book.config))
    return {c: {**t, "value": cents(t["value"]), "weighted": cents(t["weighted"])}
            for c, t in sorted(out.items())}


def review(before: Book | None, after: Book, commits: Mapping[str, int], range_: str,
           violations: list[dict]) -> dict[str, Any]:
    """What the commits of a range (each with its place in the range, oldest first) do
    to the pipeline (for a pull-request comment)."""

    def include(when: float, commit: str) -> bool:
        return commit in commits

    events = deal_events(after, include, every=True) + lead_events(after, include)
    events.sort(key=lambda e: (e["time"], commits[e["commit"]], e["deal"]))
    # a deal under another ID now was renamed, not removed (its timeline knows both)
    before_ids = {d.id for d in before.deals} if before else set()
    # (in the range: the new ID was not there before, and the old one is gone now)
    after_ids = {d.id for d in after.deals}
    renamed = {d.timeline.id_at(when): d.id for d in after.deals if d.id not in before_ids
               for when, _ in d.timeline.paths if d.timeline.id_at(when) in before_ids}
    renamed = {old: new for old, new in renamed.items() if old not in after_ids}
    gone = sorted(before_ids - after_ids - set(renamed))
    pipe_before = open_pipeline(before) if before else {}
    pipe_after = open_pipeline(after)
    delta = {}
    for cur in sorted(set(pipe_before) | set(pipe_after)):
        b = pipe_before.get(cur, {"count": 0, "value": Decimal(0), "weighted": Decimal(0)})
        a = pipe_after.get(cur, {"count": 0, "value": Decimal(0), "weighted": Decimal(0)})
        delta[cur] = {k: a[k] - b[k] for k in ("count", "value", "weighted")}
    return {"report": "review", "range": range_, "commits": len(commits),
            "rows": change_rows(events, after.base),
            "events": [{k: e.get(k) for k in ("time", "commit", "deal", "change", "field",
                                               "old", "new", "value", "currency", "reason",
                                               "note")}
                       for e in events],
            "removed": gone,
            "renamed": [{"from": old, "to": new} for old, new in sorted(renamed.items())],
            "pipeline": {"before": pipe_before, "after": pipe_after, "change": delta},
            "violations": violations, "skipped": after.skipped}


# the reports worked out from the book alone (`sources` also needs first contacts:
# services.reports.report gives them)
REPORTS: dict[str, Callable[..., dict[str, Any]]] = {
    "funnel": funnel, "forecast": forecast, "cycle": cycle, "lost": lost, "slips": slips,
    "velocity": velocity, "changes": changes,
}
# the reports whose work as of a day can be kept (services.reports): their plain parts,
# and the report they make as of the query's moment
KEPT: dict[str, tuple[Callable[[Book], dict], Callable[[dict, Query], dict]]] = {
    "funnel": (funnel_parts, funnel_at), "forecast": (forecast_parts, forecast_at),
}
