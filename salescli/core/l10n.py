"""Money, numbers and dates in the settings' locale, through Babel (never by hand).

fi_FI gives `1 234,50 €`, en_US `€1,234.50`, de_DE `1.234,50 €`, sv_SE `1 234,50 €`
(Babel's CLDR data: the spaces are no-break spaces, as typesetting wants them).
Babel is imported here, lazily, so `salescli --help` never loads it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP
from decimal import Decimal
from functools import lru_cache
from typing import Any

from salescli.core.errors import SalescliError


@lru_cache(maxsize=16)
def check_locale(name: str) -> Any:
    """The Babel locale for `fi_FI`-style names; an unknown one is a settings error."""
    from babel import Locale
    from babel import UnknownLocaleError

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


# --- numbers in tables: Babel's symbols and affixes, taken once, applied without Babel

_PROBE = Decimal("1234567.89")
_QUANTA = [Decimal(1).scaleb(-places) for places in range(3)]


def _affixes(text: str) -> tuple[str, str]:
    """What Babel put before the first digit and after the last of a probe."""
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    return text[:digits[0]], text[digits[-1] + 1:]


def currency_data(currency: str, locale: str) -> tuple:
    """How the locale shows `currency`: (fraction digits, positive affixes, negative
    affixes), from Babel's own output for a probe amount."""
    from babel.numbers import format_currency
    from babel.numbers import get_currency_precision

    loc = check_locale(locale)
    return (get_currency_precision(currency),
            *_affixes(format_currency(_PROBE, currency, locale=loc)),
            *_affixes(format_currency(-_PROBE, currency, locale=loc)))


def style_data(locale: str, currencies: Iterable[str]) -> dict[str, Any]:
    """The locale's number symbols, grouping and affixes as plain data (strings, ints,
    tuples), for `Style` to format with and the configuration cache to keep: a table
    then costs no Babel import (about 30 ms, more than some listings take)."""
    from babel.numbers import format_decimal
    from babel.numbers import format_percent
    from babel.numbers import get_decimal_symbol
    from babel.numbers import get_group_symbol

    loc = check_locale(locale)
    return {
        "locale": locale, "decimal": get_decimal_symbol(loc), "group": get_group_symbol(loc),
        "grouping": {"number": loc.decimal_formats[None].grouping,
                     "percent": loc.percent_formats[None].grouping,
                     "money": loc.currency_formats["standard"].grouping},
        "number": ("", "", *_affixes(format_decimal(-_PROBE, locale=loc))),
        "percent": (*_affixes(format_percent(Decimal("0.5"), locale=loc)),
                    *_affixes(format_percent(Decimal("-0.5"), locale=loc))),
        "currencies": {c: currency_data(c, locale) for c in sorted(set(currencies))},
    }


class Style:
    """Numbers for people in one locale, as Babel shows them, at str.format speed.

    Built from `style_data` (cached with the configuration); a currency it was not
    given is asked of Babel when first shown. Rounding is half-up, as money is.
    """

    def __init__(self, data: dict[str, Any]):
        self.locale = data["locale"]
        self._decimal, self._group = data["decimal"], data["group"]
        self._grouping = data["grouping"]
        self._affixes = {"number": tuple(data["number"]), "percent": tuple(data["percent"])}
        self._currencies = {c: tuple(v) for c, v in data["currencies"].items()}
        # amounts shown so far: a listing shows many the same (today's 1,500 won
        # customers each weigh 0.00)
        self._shown: dict[tuple, str] = {}

    @classmethod
    def of(cls, locale: str, currencies: Iterable[str] = ()) -> Style:
        return cls(style_data(locale, currencies))

    def _format(self, value: Any, places: int | None, kind: str, affixes: tuple,
                keep_zeros: bool = True) -> str:
        """`value` rounded half-up to `places` decimals (None: as it is); without
        `keep_zeros`, trailing zeros of the fraction are dropped (`50 %`, `33.3 %`)."""
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        if places is not None:
            amount = amount.quantize(_QUANTA[places], ROUND_HALF_UP)
        grouping = self._grouping[kind]
        if grouping == (3, 3):  # most locales: Python groups in C, then the symbols swap
            whole, _, fraction = format(abs(amount), ",f").partition(".")
            whole = whole.replace(",", self._group)
        else:
            whole, _, fraction = format(abs(amount), "f").partition(".")
            first, rest = grouping
            groups = []
            while len(whole) > first:
                groups.append(whole[-first:])
                whole, first = whole[:-first], rest
            whole = self._group.join([whole, *reversed(groups)])
        if not keep_zeros or places is None:
            fraction = fraction.rstrip("0")
        number = f"{whole}{self._decimal}{fraction}" if fraction else whole
        before, after = (affixes[2], affixes[3]) if amount < 0 else (affixes[0], affixes[1])
        return f"{before}{number}{after}"

    def number(self, value: Any, places: int | None = None) -> str:
        """`1,234.5` (en_US), `1 234,5` (fi_FI); `places` fixes the decimals (`52.0`)."""
        return self._format(value, places, "number", self._affixes["number"])

    def rate(self, value: Any) -> str:
        """A 0..1 fraction as a percentage with at most one decimal: `33.3 %`, `94 %`."""
        return self._format(Decimal(str(value)) * 100, 1, "percent", self._affixes["percent"],
                            keep_zeros=False)

    def percent(self, value: Any) -> str:
        """A percentage given as 0..100, as exact as it is: `40 %`, `12.5 %`."""
        return self._format(value, None, "percent", self._affixes["percent"])

    def money(self, value: Any, currency: str | None, whole: bool = False) -> str:
        """`€48,000.00` (en_US), `48 000,00 €` (fi_FI): the currency's decimals, or
        `whole` units (`48 000 €`); without a currency, the amount to the cent."""
        # equal amounts of one type show alike once rounded (a float and the Decimal of
        # its binary value are equal, yet round apart)
        key = (type(value), value, currency, whole)
        shown = self._shown.get(key)
        if shown is not None:
            return shown
        if not currency:
            shown = self._format(value, 0 if whole else 2, "number", self._affixes["number"])
        else:
            data = self._currencies.get(currency)
            if data is None:  # not the settings' currency nor an fx one: Babel, once
                data = self._currencies[currency] = currency_data(currency, self.locale)
            shown = self._format(value, 0 if whole else data[0], "money", data[1:])
        self._shown[key] = shown
        return shown
