"""`salescli board`: the open deals of a pipeline, per stage, from the record index."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salescli.services.read import Warn
from salescli.services.read import records_index

_OPEN = """SELECT d.id, d.title, d.account_id, d.stage, d.value, d.currency, d.owner,
  d.probability, d.created FROM deals d
WHERE d.status = 'open' AND d.pipeline = ? {owner} ORDER BY d.path"""


def board(repo: Any, pipeline: str | None, owner: str | None, warn: Warn,
          on: dt.date | None = None, use_cache: bool = True) -> dict[str, Any]:
    """The board: per stage of the pipeline (in order), its open deals, largest value
    first, each with its days in the stage, and the stage's count and totals."""
    from salescli.core.board import assemble
    from salescli.core.dates import day_of
    from salescli.core.money import from_float
    from salescli.store.history import stage_entered

    pipe = repo.pipeline(pipeline)
    today = day_of(on, "--on") or dt.date.today()  # a date-time counts by its day
    if today < dt.date.today():  # the board as it stood then: from the history
        return _from_history(repo, pipe, today, owner, warn, use_cache)
    with records_index(repo, ("deal",), warn, use_cache) as index:
        rows = index.query(_OPEN.format(owner="AND d.owner = ?" if owner else ""),
                           (pipe.name, owner) if owner else (pipe.name,))
    entered = stage_entered(repo.root, use_cache) if rows else {}
    cards = []
    for row in rows:
        created = dt.date.fromisoformat(row["created"])
        since = max(entered.get(row["id"], created), created)
        cards.append({
            "id": row["id"], "title": row["title"], "account": row["account_id"],
            "owner": row["owner"], "stage": row["stage"],
            "value": from_float(row["value"]) if row["value"] is not None else None,
            "currency": row["currency"], "probability": row["probability"],
            "days": (today - since).days, "since": since})
    return assemble(pipe.name, today, owner,
                    [(s.id, s.name or s.id, s.probability) for s in pipe.stages], cards)


def board_rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The board as one row per deal (CSV, markdown): its stage first."""
    return [{"stage": c["stage"], **{k: v for k, v in card.items()}}
            for c in payload["columns"] for card in c["cards"]]


def board_text(payload: dict[str, Any], width: int, style: Any) -> str:
    """The board for a terminal `width` characters wide, amounts in the `style`'s locale."""
    from salescli.core.board import render_board

    return render_board(payload, width, style)


def _from_history(repo: Any, pipe: Any, day: dt.date, owner: str | None, warn: Warn,
                  use_cache: bool) -> dict[str, Any]:
    """The board as of the end of `day`, as the dashboard draws it."""
    from salescli.core.board import assemble

    cards = [{k: v for k, v in c.items() if k not in ("pipeline", "created")}
             for c in open_then(repo, day, pipe.name, owner, warn, use_cache)]
    return assemble(pipe.name, day, owner,
                    [(s.id, s.name or s.id, s.probability) for s in pipe.stages], cards)


def open_then(repo: Any, day: dt.date, pipeline: str | None, owner: str | None,
              warn: Warn, use_cache: bool) -> list[dict[str, Any]]:
    """The open deals as they stood at the end of `day` (of `pipeline`, `owner`; None:
    all), from the history: each under the ID it had then, in its stage then since the
    day it entered it, with the title and account its record has now (history keeps
    neither), as `board` and `stale` show a deal."""
    from salescli.core.dates import utc_day
    from salescli.services.reports import build_book

    window = {"as_of": day.isoformat(), "no_cache": not use_cache, "since": None,
              "until": None, "pipeline": pipeline, "owner": owner, "source": None}
    book = build_book(repo, window, warn)
    with records_index(repo, ("deal",), warn, use_cache) as index:
        now = {r["id"]: r for r in index.query("SELECT id, title, account_id FROM deals")}
    cards = []
    for d in book.with_status("open"):
        row = now.get(d.timeline.id)  # a deal renamed since: its record under its new ID
        since = utc_day(d.timeline.stage_since(book.query.as_of))
        cards.append({
            "id": d.id, "title": row["title"] if row else d.id,
            "account": row["account_id"] if row else "", "owner": d.owner,
            "stage": d.stage, "pipeline": book.config.pipeline_or_default(d.pipeline),
            "value": d.value, "currency": d.currency, "probability": d.probability,
            "days": (day - since).days, "since": since, "created": d.created_date})
    return cards
