"""Money, numbers and dates in the settings' locale, through Babel (never by hand).

fi_FI gives `1 234,50 €`, en_US `€1,234.50`, de_DE `1.234,50 €`, sv_SE `1 234,50 €`
(Babel's CLDR data: the spaces are no-break spaces, as typesetting wants them).
Babel is imported here, lazily, so `salescli --help` never loads it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Any

from salescli.core.errors import SalescliError


@lru_cache(maxsize=16)
def check_locale(name: str) -> Any:
    """The Babel locale for `fi_FI`-style names; an unknown one is a settings error."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise SalescliError(f"salescli.yaml: unknown locale {name!r}; use a name such as "
                            "fi_FI, en_US, sv_SE or de_DE") from None


def money(amount: Decimal, currency: str, locale: str) -> str:
    """`1 234,50 €` (fi_FI): always two decimals, the currency where the locale puts it."""
    from babel.numbers import format_currency

    return format_currency(amount, currency, locale=check_locale(locale))


def number(value: Decimal | int, locale: str) -> str:
    """A quantity or a rate without forced decimals: `12`, `25,5` (fi_FI), `1,5` (de_DE)."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=check_locale(locale), decimal_quantization=False)


def date(value: dt.date, locale: str) -> str:
    """The locale's medium date: `20.11.2026` (fi_FI), `Nov 20, 2026` (en_US)."""
    from babel.dates import format_date

    return format_date(value, "medium", locale=check_locale(locale))


def percent(value: Decimal | int, locale: str) -> str:
    """A percentage given as 0..100: `25,5 %` (fi_FI), `25.5%` (en_US)."""
    from babel.numbers import format_percent

    return format_percent(Decimal(value) / 100, locale=check_locale(locale),
                          decimal_quantization=False)
