"""`salescli board`: the open deals of a pipeline, per stage, from the record index."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from salescli.services.read import Warn, records_index

_OPEN = """SELECT d.id, d.title, d.account_id, d.stage, d.value, d.currency, d.owner,
  d.probability, d.created FROM deals d
WHERE d.status = 'open' AND d.pipeline = ? {owner} ORDER BY d.path"""


def board(repo: Any, pipeline: str | None, owner: str | None, warn: Warn,
          on: dt.date | None = None, use_cache: bool = True) -> dict[str, Any]:
    """The board: per stage of the pipeline (in order), its open deals, largest value
    first, each with its days in the stage, and the stage's count and totals."""
    from salescli.core.money import from_float
    from salescli.store.history import stage_entered

    pipe = repo.pipeline(pipeline)
    today = on or dt.date.today()
    with records_index(repo, ("deal",), warn, use_cache) as index:
        rows = index.query(_OPEN.format(owner="AND d.owner = ?" if owner else ""),
                           (pipe.name, owner) if owner else (pipe.name,))
    entered = stage_entered(repo.root, repo.git_dir) if rows else {}
    stages = {s.id: s for s in pipe.stages}
    columns = {s.id: {"stage": s.id, "name": s.name or s.id, "probability": s.probability,
                      "count": 0, "totals": {}, "weighted": {}, "cards": []}
               for s in pipe.stages}
    for row in rows:
        stage = row["stage"] if row["stage"] in stages else None
        column = columns.setdefault(stage or "?", {
            "stage": "?", "name": "(not a stage of the pipeline)", "probability": 0,
            "count": 0, "totals": {}, "weighted": {}, "cards": []})
        created = dt.date.fromisoformat(row["created"])
        since = max(entered.get(row["id"], created), created)
        value = from_float(row["value"]) if row["value"] is not None else None
        chance = Decimal(str(row["probability"])) if row["probability"] is not None \
            else Decimal(str(column["probability"]))
        column["cards"].append({
            "id": row["id"], "title": row["title"], "account": row["account_id"],
            "owner": row["owner"], "value": value, "currency": row["currency"],
            "days": (today - since).days, "since": since,
            "weighted": (value * chance / 100).quantize(Decimal("0.01")) if value else None})
        column["count"] += 1
        if value is not None:
            for key, amount in (("totals", value), ("weighted", column["cards"][-1]["weighted"])):
                column[key][row["currency"]] = column[key].get(row["currency"], 0) + amount
    for column in columns.values():
        column["cards"].sort(key=lambda c: (-(c["value"] or 0), c["id"]))
    totals: dict[str, Any] = {"count": len(rows), "value": {}, "weighted": {}}
    for column in columns.values():
        for key, out in (("totals", "value"), ("weighted", "weighted")):
            for currency, amount in column[key].items():
                totals[out][currency] = totals[out].get(currency, 0) + amount
    return {"pipeline": pipe.name, "as_of": today, "owner": owner,
            "columns": list(columns.values()), "totals": totals}


def board_rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The board as one row per deal (CSV, markdown): its stage first."""
    return [{"stage": c["stage"], **{k: v for k, v in card.items()}}
            for c in payload["columns"] for card in c["cards"]]


def board_text(payload: dict[str, Any], width: int) -> str:
    """The board for a terminal `width` characters wide."""
    from salescli.core.board import render_board

    return render_board(payload, width)
