"""Money, pure and exact: Decimal everywhere, half-up to cents per line; the one
place that parses a typed amount and shows one without a locale. (An exported
table's cell, `18 500,00 €`, is read by `cells.parse_amount`, by the file's
conventions.)"""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")
# a recurring item counts price x cycles; cycles default to one year of billing
CYCLES_PER_YEAR = {"one-time": 1, "monthly": 12, "quarterly": 4, "annually": 1}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(value: Any, what: str = "--value") -> Decimal | None:
    """A user's amount (`what` names the option or field) as Decimal cents, or refused.

    The one parser of money typed on the command line: `--value`, `--unit-price`,
    `deal set value=`.
    """
    from salescli.core.errors import UsageError

    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        amount = None
    if amount is None or not amount.is_finite():
        raise UsageError(f"{what}: {value!r} is not an amount of money; use digits such as "
                         "48000 or 48000.50")
    if amount < 0:
        raise UsageError(f"{what}: {value!r} is negative; an amount of money is 0 or more")
    from salescli.core.record import MAX_AMOUNT

    if amount >= MAX_AMOUNT:  # before quantize, which fails past Decimal's 28 digits
        shown = str(value) if len(str(value)) <= 20 else f"{str(value)[:17]}..."
        raise UsageError(f"{what}: {shown} is too large; an amount is below {MAX_AMOUNT:,}")
    if cents(amount) != amount:
        raise UsageError(f"{what}: {value} has more than 2 decimals; money is kept to the cent")
    return cents(amount)


def weighted(value: Decimal | None, probability: Decimal | None) -> Decimal:
    """value x probability (a percentage), to the cent; nothing counts 0."""
    if value is None or probability is None:
        return cents(Decimal(0))
    return cents(value * probability / 100)


def from_float(value: float) -> Decimal:
    """An amount the record index keeps as a double, as the exact Decimal it was (a double
    holds every cent up to about 3.5e13, above the largest amount a record may hold)."""
    return Decimal(repr(value)).quantize(CENT)


def to_cents(value: Any) -> int:
    """An amount as whole cents, the history cache's form of money (raises ArithmeticError
    or ValueError for what is no finite number)."""
    return int((Decimal(str(value)) * 100).to_integral_value())


def from_cents(value: int) -> Decimal:
    """Whole cents (`to_cents`) as the amount."""
    return (Decimal(value) / 100).quantize(CENT)


def grouped(value: Any, whole: bool = False) -> str:
    """An amount for people, without a locale: `48,000.50`; `whole`: `48,000` when it has
    no cents."""
    amount = Decimal(str(value))
    if whole and amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    return f"{amount:,.2f}"


def written(value: Decimal) -> str:
    """An amount as a record file holds it: to the cent, plain digits (`48000.50`)."""
    return format(cents(value), "f")


def product_of(item: Any, products: Any) -> Any:
    """The price list's entry for the item's `product`, or None."""
    if not item.product:
        return None
    return next((p for p in products.products if p.sku == item.product), None)


def item_billing(item: Any, products: Any) -> str:
    """The item's billing as written, else its product's, else one-time."""
    if "billing" in item.model_fields_set:
        return item.billing
    product = product_of(item, products)
    return product.billing if product is not None else item.billing


def unit_price(item: Any, products: Any) -> Decimal | None:
    """The item's own price, else the price list's (the highest tier whose min <= qty)."""
    if item.unit_price is not None:
        return item.unit_price
    product = product_of(item, products)
    if product is None:
        return None
    price = product.unit_price
    for tier in sorted(product.tiers, key=lambda t: t.min):
        if tier.min <= item.quantity:
            price = tier.unit_price
    return price


def line_net(item: Any, products: Any) -> Decimal | None:
    """Net of one billing period: quantity x unit price less the discount."""
    price = unit_price(item, products)
    if price is None:
        return None
    return cents(item.quantity * price * (1 - item.discount / 100))


def item_total(item: Any, products: Any) -> Decimal | None:
    net = line_net(item, products)
    if net is None:
        return None
    cycles = item.cycles or CYCLES_PER_YEAR[item_billing(item, products)]
    return net * cycles


def deal_value(deal: Any, products: Any) -> Decimal | None:
    """`value` if set, else the items' total; None when neither is known."""
    if deal.value is not None:
        return cents(deal.value)  # 12000.0 in a file still reads 12000.00
    return items_value(deal.items, products)


def items_value(items: Any, products: Any) -> Decimal | None:
    """The items' total for a year; None when there are none or one has no price."""
    totals = [item_total(i, products) for i in items]
    if not totals or any(t is None for t in totals):
        return None
    return sum(totals, Decimal(0))
