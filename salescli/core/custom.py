"""Custom fields: the fields a team adds to deals, accounts and leads in salescli.yaml.

    custom_fields:
      deal:
        competitor: {type: choice, choices: [SAP, Oracle]}
        seats: {type: number}
      account:
        icp_fit: {type: bool}

A record holds them as ordinary top-level keys (`competitor: SAP`), so a hand edit is
natural. Pure: what a value may be, a typed value from a command line's text, and the
JSON Schema of each; `check`, `set`, listings and exports use these.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from salescli.core.later import later

_TRUE = ("true", "yes", "on")
_FALSE = ("false", "no", "off")
CENT = Decimal("0.01")
_DATE = later(r"\d{4}-\d\d-\d\d")


def declared(settings: Any, kind: str) -> dict[str, Any]:
    """name -> definition of the kind's custom fields ({} without settings)."""
    fields = getattr(settings, "custom_fields", None)
    return dict(getattr(fields, kind, None) or {})


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return amount if amount.is_finite() else None


def problem(field: Any, value: Any) -> str | None:
    """Why `value` (as read from YAML) is not a value of `field`, or None if it is.
    An empty value (null) is always allowed: a custom field is optional."""
    if value is None:
        return None
    kind = field.type
    if kind == "text":
        return None if isinstance(value, str) else "expected text"
    if kind in ("number", "money"):
        amount = _number(value)
        if amount is None:
            return "expected a number"
        if kind == "money" and (amount < 0 or amount != amount.quantize(CENT)):
            return "expected an amount of money (0 or more, at most 2 decimals)"
        return None
    if kind == "date":
        if isinstance(value, dt.datetime) or not (
                isinstance(value, dt.date) or isinstance(value, str) and _DATE.fullmatch(value)):
            return "expected a date YYYY-MM-DD"
        return None
    if kind == "bool":
        return None if isinstance(value, bool) else "expected true or false"
    choices = list(field.choices)
    values = value if kind == "multi-choice" and isinstance(value, list) else [value]
    if kind == "multi-choice" and not isinstance(value, list):
        return "expected a list of choices, e.g. [A, B]; choose from: " + ", ".join(choices)
    if any(v not in choices for v in values):
        return "expected one of: " + ", ".join(choices)
    return None


def parse(field: Any, name: str, raw: str) -> Any:
    """The value of `name=RAW` on a command line, typed as `field` declares; raises
    ValueError naming what to type. Empty text clears the field (None)."""
    text = raw.strip()
    if not text:
        return None
    kind = field.type
    if kind == "text":
        return raw
    if kind in ("number", "money"):
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise ValueError(f"{name}: {raw!r} is not a number")
        if problem(field, amount):
            raise ValueError(f"{name}: {raw!r}: {problem(field, amount)}")
        # money is written to the cent, as `value: 48000.00`
        return amount.quantize(CENT) if kind == "money" else amount
    if kind == "date":
        return text  # the caller reads dates as every date option does
    if kind == "bool":
        if text.lower() in _TRUE + _FALSE:
            return text.lower() in _TRUE
        raise ValueError(f"{name}: {raw!r} is not true or false")
    values = [v.strip() for v in text.split(",")] if kind == "multi-choice" else [text]
    for v in values:
        if v not in field.choices:
            raise ValueError(f"{name}: {v!r} is not one of: " + ", ".join(field.choices))
    return values if kind == "multi-choice" else values[0]


def cell(value: Any, field: Any = None) -> str | None:
    """A custom value as one text cell (exports): lists joined with `, `, money of a
    money `field` to the cent."""
    if value is None:
        return None
    if field is not None and field.type == "money" and _number(value) is not None:
        return format(_number(value).quantize(CENT), "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def json_schema(field: Any) -> dict[str, Any]:
    """The JSON Schema of one custom field (null allowed: it is optional)."""
    kind = field.type
    schema: dict[str, Any]
    if kind == "text":
        schema = {"type": "string"}
    elif kind == "number":
        schema = {"type": "number"}
    elif kind == "money":
        schema = {"type": "number", "minimum": 0, "multipleOf": 0.01}
    elif kind == "date":
        schema = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d\d-\d\d$"}
    elif kind == "bool":
        schema = {"type": "boolean"}
    elif kind == "choice":
        schema = {"enum": list(field.choices)}
    else:
        schema = {"type": "array", "items": {"enum": list(field.choices)}}
    schema = {"anyOf": [schema, {"type": "null"}]}
    if field.label:
        schema["title"] = field.label
    return schema
