"""`salescli board`: the open deals of a pipeline, per stage, from the record index."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salescli.services.read import Warn, records_index

_OPEN = """SELECT d.id, d.title, d.account_id, d.stage, d.value, d.currency, d.owner,
  d.probability, d.created FROM deals d
WHERE d.status = 'open' AND d.pipeline = ? {owner} ORDER BY d.path"""


def board(repo: Any, pipeline: str | None, owner: str | None, warn: Warn,
          on: dt.date | None = None, use_cache: bool = True) -> dict[str, Any]:
    """The board: per stage of the pipeline (in order), its open deals, largest value
    first, each with its days in the stage, and the stage's count and totals."""
    from salescli.core.board import assemble
    from salescli.core.money import from_float
    from salescli.store.history import stage_entered

    pipe = repo.pipeline(pipeline)
    today = on or dt.date.today()
    with records_index(repo, ("deal",), warn, use_cache) as index:
        rows = index.query(_OPEN.format(owner="AND d.owner = ?" if owner else ""),
                           (pipe.name, owner) if owner else (pipe.name,))
    entered = stage_entered(repo.root, repo.git_dir) if rows else {}
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
