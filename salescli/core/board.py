"""The pipeline board: open deals as columns per stage, as text for a terminal.

Pure: `render_board` lays out what `services.board.board` gathered, in the width it is
given, with amounts in whole units of the settings' locale (`l10n.Style`: `€48,000`,
`48 000 €`). Columns side by side while each can be at least MIN_WIDTH characters wide;
otherwise the stages stack, one section each, so a narrow terminal loses nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from salescli.core.money import weighted
from salescli.core.output import terminal_safe

MIN_WIDTH = 18
GAP = " │ "


def assemble(pipeline: str, as_of: Any, owner: str | None,
             stages: list[tuple[str, str, Any]], cards: list[dict[str, Any]]
             ) -> dict[str, Any]:
    """The board of `cards` (open deals, each with its `stage`, `value`, `currency`,
    `probability` and `days`): a column per stage (id, name, probability) in order,
    cards largest first, with counts and totals per column and for the board."""
    columns = {s: {"stage": s, "name": name, "probability": prob, "count": 0,
                   "totals": {}, "weighted": {}, "cards": []} for s, name, prob in stages}
    totals: dict[str, Any] = {"count": len(cards), "value": {}, "weighted": {}}
    for card in cards:
        column = columns.get(card["stage"]) or columns.setdefault("?", {
            "stage": "?", "name": "(not a stage of the pipeline)", "probability": 0,
            "count": 0, "totals": {}, "weighted": {}, "cards": []})
        chance = card.pop("probability")
        chance = Decimal(str(column["probability"] if chance is None else chance))
        value = card["value"]
        card["weighted"] = weighted(value, chance) if value is not None else None
        column["cards"].append(card)
        column["count"] += 1
        if value is not None:
            for key, out, amount in (("totals", "value", value),
                                     ("weighted", "weighted", card["weighted"])):
                column[key][card["currency"]] = column[key].get(card["currency"], 0) + amount
                totals[out][card["currency"]] = totals[out].get(card["currency"], 0) + amount
    for column in columns.values():
        column["cards"].sort(key=lambda c: (-(c["value"] or 0), c["id"]))
    return {"pipeline": pipeline, "as_of": as_of, "owner": owner,
            "columns": list(columns.values()), "totals": totals}


def amounts(by_currency: dict[str, Any], style: Any) -> str:
    """`€48,000 + $1,200` (en_US), or `0` for nothing: whole units, as every card shows."""
    return " + ".join(style.money(v, c, whole=True)
                      for c, v in sorted(by_currency.items())) or "0"


def card_lines(card: dict[str, Any], style: Any) -> list[str]:
    """A deal on the board: its title, then value and days in its stage, then account."""
    value = style.money(card["value"], card["currency"], whole=True) \
        if card["value"] is not None else "no value"
    who = card["account"] + (f" · {card['owner']}" if card["owner"] else "")
    return [terminal_safe(card["title"], cell=True), f"{value} · {card['days']} d",
            terminal_safe(who, cell=True)]


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(width - 1, 0)] + "…"


def header_lines(column: dict[str, Any], style: Any) -> list[str]:
    return [f"{column['name']} ({style.percent(column['probability'])})",
            f"{style.number(column['count'])} · {amounts(column['totals'], style)}"]


def render_board(board: dict[str, Any], width: int, style: Any) -> str:
    columns = board["columns"]
    if not columns:
        return "(no stages)"
    n = len(columns)
    col = (width - len(GAP) * (n - 1)) // n
    if col < MIN_WIDTH:
        return _stacked(board, width, style)
    blocks = []
    for column in columns:
        lines = header_lines(column, style) + ["─" * col]
        for card in column["cards"]:
            lines += card_lines(card, style) + [""]
        blocks.append([_fit(line, col).ljust(col) for line in lines])
    height = max(len(b) for b in blocks)
    rows = [GAP.join(b[i] if i < len(b) else " " * col for b in blocks).rstrip()
            for i in range(height)]
    return "\n".join(rows).rstrip() + "\n\n" + footer(board, style)


def _stacked(board: dict[str, Any], width: int, style: Any) -> str:
    """A stage per section, a card on two lines (title; value, days, account), each line
    cut to the width: nothing wraps on a phone's terminal."""
    out: list[str] = []
    for column in board["columns"]:
        out.append(_fit(" · ".join(header_lines(column, style)), width))
        for card in column["cards"]:
            title, value, who = card_lines(card, style)
            out += [_fit(f"  {title}", width), _fit(f"    {value} · {who}", width)]
        out.append("")
    return "\n".join(out) + "\n" + footer(board, style)


def footer(board: dict[str, Any], style: Any) -> str:
    t = board["totals"]
    return (f"{style.number(t['count'])} open deal(s) in pipeline {board['pipeline']}: "
            f"{amounts(t['value'], style)}, weighted {amounts(t['weighted'], style)}; "
            f"as of {board['as_of']}")
