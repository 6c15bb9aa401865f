"""Quote arithmetic, numbering and locale formats: golden figures worked out by hand.

No repository: records are written inline as the YAML a user keeps, and read by the
same loader the commands use.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal as D

import conftest
import pytest

from salescli.core.errors import SalescliError
from salescli.core.l10n import date
from salescli.core.l10n import money
from salescli.core.l10n import number
from salescli.core.l10n import percent
from salescli.core.quote import QuoteError
from salescli.core.quote import build_quote
from salescli.core.quote import contact_person
from salescli.core.quote import format_number
from salescli.core.quote import number_and_version
from salescli.core.quote import price_lines
from salescli.core.quote import totals
from salescli.core.quote import used_sequence
from salescli.store.loader import parse_text


def load(kind: str, text: str):
    parsed = parse_text(kind, f"{kind}.yaml", textwrap.dedent(text).lstrip())
    assert parsed.ok, parsed.findings
    return parsed.model


PRODUCTS = load("products", conftest.PRODUCTS)
SETTINGS = load("settings", """
    company: {name: Hubble Oy, business_id: 1234567-8}
    currency: EUR
    locale: fi_FI
    discount_approval_threshold: 15
    quote: {validity_days: 30, numbering: "Q-{year}-{seq:04d}", terms: Net 14 days}
    """)
ACCOUNT = load("account", """
    id: acme-oy
    name: Acme Oy
    business_id: 7654321-0
    contacts:
      - {id: liisa-k, name: Liisa K, role: champion}
      - {id: matti-v, name: Matti Virtanen, title: CFO, role: economic-buyer}
    """)


def deal(items: str, extra: str = ""):
    body = "id: acme-erp\ntitle: ERP\naccount: acme-oy\ncreated: 2026-10-01\n"
    body += extra.strip() + "\n" if extra else ""
    body += "items:\n" + textwrap.indent(textwrap.dedent(items).strip(), "  ") + "\n"
    return load("deal", body)


def lines(items: str):
    return price_lines(deal(items).items, PRODUCTS, D(15))


# ------------------------------------------------------------------------- tiers


@pytest.mark.parametrize("quantity,price", [
    ("1", "300.00"), ("9", "300.00"), ("9.99", "300.00"),
    ("10", "270.00"), ("49", "270.00"), ("49.5", "270.00"),
    ("50", "240.00"), ("500", "240.00"),
])
def test_the_highest_tier_whose_min_is_at_most_the_quantity(quantity: str, price: str):
    [line] = lines(f"- {{product: silma-pro, quantity: {quantity}}}")
    assert line.unit_price == D(price)
    assert line.list_price == D("300.00")
    assert line.net == (D(quantity) * D(price)).quantize(D("0.01"))


def test_an_items_own_price_wins_over_the_price_list():
    [line] = lines("- {product: silma-pro, quantity: 60, unit_price: 199.00}")
    assert line.unit_price == D("199.00")


# ---------------------------------------------------- discounts, VAT rates, rounding


MIXED = """
- {name: A, quantity: 3, unit_price: 33.35, discount: 10, tax_rate: 25.5}
- {name: B, quantity: 1.5, unit_price: 10.01, tax_rate: 14}
- {name: C, quantity: 7, unit_price: 12.50, discount: 12.5, tax_rate: 10}
- {name: D, quantity: 1, unit_price: 0.05, discount: 10, tax_rate: 0}
- {name: E, quantity: 2, unit_price: 19.99, discount: 5, tax_rate: 25.5}
"""


def test_each_line_rounds_half_up_to_the_cent():
    # 3 x 33.35 x 0.90 = 90.045; 1.5 x 10.01 = 15.015; 7 x 12.50 x 0.875 = 76.5625;
    # 0.05 x 0.90 = 0.045; 2 x 19.99 x 0.95 = 37.981. Half-even would give 90.04 and 15.02.
    assert [line.net for line in lines(MIXED)] == [
        D("90.05"), D("15.02"), D("76.56"), D("0.05"), D("37.98")]


def test_vat_per_rate_and_totals_match_to_the_cent():
    t = totals(lines(MIXED))
    assert [(r.rate, r.net, r.vat, r.gross) for r in t.vat_rows] == [
        (D("25.5"), D("128.03"), D("32.65"), D("160.68")),   # 32.64765
        (D("14"), D("15.02"), D("2.10"), D("17.12")),         # 2.1028
        (D("10"), D("76.56"), D("7.66"), D("84.22")),         # 7.656
        (D("0"), D("0.05"), D("0.00"), D("0.05")),
    ]
    assert (t.net, t.vat, t.gross) == (D("219.66"), D("42.41"), D("262.07"))
    assert t.one_time == t.lines == t.net
    assert t.recurring == {}


def test_vat_rounds_half_up_once_per_rate():
    # 14 % of 0.75 is 0.105: half-up gives 0.11 (half-even would give 0.10). Two such
    # lines share one rounding: 14 % of 1.50 = 0.21, not 2 x 0.11.
    one = totals(lines("- {name: X, quantity: 1, unit_price: 0.75, tax_rate: 14}"))
    assert one.vat == D("0.11") and one.gross == D("0.86")
    two = totals(lines("""
        - {name: X, quantity: 1, unit_price: 0.75, tax_rate: 14}
        - {name: Y, quantity: 1, unit_price: 0.75, tax_rate: 14}
        """))
    assert two.vat == D("0.21") and two.gross == D("1.71")


def test_prices_including_tax_extract_the_vat():
    t = totals(lines("""
        - {name: X, quantity: 1, unit_price: 125.50, tax_rate: 25.5}
        - {name: Y, quantity: 1, unit_price: 100.00, tax_rate: 25.5}
        - {name: Z, quantity: 1, unit_price: 11.40, tax_rate: 14}
        """), prices_include_tax=True)
    # 225.50 x 25.5 / 125.5 = 45.8187...; 11.40 x 14 / 114 = 1.40
    assert [(r.rate, r.net, r.vat, r.gross) for r in t.vat_rows] == [
        (D("25.5"), D("179.68"), D("45.82"), D("225.50")),
        (D("14"), D("10.00"), D("1.40"), D("11.40"))]
    assert (t.net, t.vat, t.gross) == (D("189.68"), D("47.22"), D("236.90"))


def test_recurring_lines_subtotal_per_period_and_count_their_cycles():
    ls = lines("""
        - {product: silma-pro, quantity: 12, discount: 10}
        - {product: support, quantity: 1}
        - {product: books, quantity: 3, billing: annually, cycles: 2}
        - {name: Setup, quantity: 1, unit_price: 500.00, tax_rate: 25.5}
        """)
    assert [(line.billing, line.cycles, line.net, line.total) for line in ls] == [
        ("monthly", 12, D("2916.00"), D("34992.00")),     # 12 x 270 x 0.9, for a year
        ("quarterly", 4, D("1000.00"), D("4000.00")),     # the product's billing
        ("annually", 2, D("149.70"), D("299.40")),
        ("one-time", 1, D("500.00"), D("500.00")),
    ]
    t = totals(ls)
    assert t.recurring == {"monthly": D("2916.00"), "quarterly": D("1000.00"),
                           "annually": D("149.70")}
    assert t.one_time == D("500.00")
    # 25.5 %: 34992 + 4000 + 500 = 39492.00 -> 10070.46; 10 %: 299.40 -> 29.94
    assert (t.net, t.vat, t.gross) == (D("39791.40"), D("10100.40"), D("49891.80"))


def test_an_item_without_a_tax_rate_is_refused():
    with pytest.raises(QuoteError, match=r"^item 1 \(untaxed\) has no tax_rate"):
        lines("- {product: untaxed, quantity: 1}")
    assert lines("- {product: untaxed, quantity: 1, tax_rate: 0}")[0].tax_rate == 0


# ---------------------------------------------------------------------- numbering


def test_numbers_follow_the_pattern_and_the_highest_sequence_of_the_year():
    used = ["Q-2026-0001", "Q-2026-0007", "Q-2025-0042", "X-2026-0099", "Q-2026-12"]
    assert used_sequence("Q-{year}-{seq:04d}", 2026, used) == 12
    assert used_sequence("Q-{year}-{seq:04d}", 2025, used) == 42
    assert used_sequence("Q-{year}-{seq:04d}", 2027, used) == 0
    assert format_number("Q-{year}-{seq:04d}", 2026, 13) == "Q-2026-0013"
    assert format_number("{seq}", 2026, 5) == "5"


def test_a_deals_later_quotes_are_versions_of_its_latest_number():
    first = deal("- {name: A, unit_price: 1, tax_rate: 0}")
    assert number_and_version(first, "Q-{year}-{seq:04d}", dt.date(2026, 11, 1),
                              ["Q-2026-0003"]) == ("Q-2026-0004", 1)
    quoted = deal("- {name: A, unit_price: 1, tax_rate: 0}", extra="""quotes:
        - {number: Q-2026-0002, version: 1, date: 2026-10-01, total: 1, currency: EUR, file: a}
        - {number: Q-2026-0002, version: 2, date: 2026-10-02, total: 1, currency: EUR, file: b}
        """)
    assert number_and_version(quoted, "Q-{year}-{seq:04d}", dt.date(2027, 1, 5),
                              ["Q-2027-0009"]) == ("Q-2026-0002", 3)


@pytest.mark.parametrize("pattern", [
    "Q-{year}", "Q-{seq.__class__}", "Q-{seq!r}", "Q-{year}-{seq}-{other}", "Q-{0}-{seq}",
    "Q-{seq", "Q/{year}/{seq}", "../{seq}",
])
def test_a_numbering_pattern_may_only_use_year_and_seq_and_make_a_file_name(pattern: str):
    with pytest.raises(SalescliError, match=r"^salescli.yaml: quote.numbering"):
        format_number(pattern, 2026, 1)


# -------------------------------------------------------------- the whole quote


def test_build_quote_parties_dates_and_the_approval_rule():
    d = deal("""
        - {product: silma-pro, quantity: 12, discount: 20}
        - {name: Work, quantity: 2, unit_price: 100.00, tax_rate: 25.5}
        """, extra="stakeholders:\n          - {contact: liisa-k}\n          - {contact: matti-v}")
    with pytest.raises(QuoteError) as err:
        build_quote(d, ACCOUNT, PRODUCTS, SETTINGS, dt.date(2026, 11, 20), [])
    assert str(err.value) == (
        "cannot quote acme-erp: the 20% discount is over the 15% approval threshold and "
        "not approved (item 1); an approver runs `salescli deal approve acme-erp`, or render "
        "a --draft")
    draft = build_quote(d, ACCOUNT, PRODUCTS, SETTINGS, dt.date(2026, 11, 20), [], draft=True)
    assert draft.draft and draft.unapproved == [1]
    q = build_quote(d.model_copy(update={"approved_by": "ville"}), ACCOUNT, PRODUCTS,
                    SETTINGS, dt.date(2026, 11, 20), ["Q-2026-0001"])
    assert (q.number, q.version, q.file_name) == ("Q-2026-0002", 1, "Q-2026-0002-v1")
    assert (q.date, q.valid_until) == (dt.date(2026, 11, 20), dt.date(2026, 12, 20))
    assert q.unapproved == [] and q.currency == "EUR" and q.terms == "Net 14 days"
    assert (q.seller.name, q.seller.business_id) == ("Hubble Oy", "1234567-8")
    assert (q.buyer.name, q.buyer.business_id) == ("Acme Oy", "7654321-0")
    # the economic buyer, found through the account's contact role, not the first one
    assert (q.contact.name, q.contact.title, q.contact.role) == (
        "Matti Virtanen", "CFO", "economic-buyer")


def test_the_contact_is_the_first_stakeholder_without_an_economic_buyer():
    d = deal("- {name: A, unit_price: 1, tax_rate: 0}",
             extra="stakeholders:\n          - {contact: liisa-k}")
    assert contact_person(d, ACCOUNT).name == "Liisa K"
    assert contact_person(deal("- {name: A, unit_price: 1, tax_rate: 0}"), ACCOUNT) is None


def test_a_deal_without_items_or_in_another_currency_is_refused():
    empty = load("deal", "id: acme-erp\ntitle: ERP\naccount: acme-oy\ncreated: 2026-10-01\n")
    with pytest.raises(QuoteError, match="acme-erp has no items to quote"):
        build_quote(empty, ACCOUNT, PRODUCTS, SETTINGS, dt.date(2026, 11, 20), [])
    usd = deal("- {product: silma-pro, quantity: 1}", extra="currency: USD")
    with pytest.raises(QuoteError, match="is in USD but products.yaml prices are in EUR"):
        build_quote(usd, ACCOUNT, PRODUCTS, SETTINGS, dt.date(2026, 11, 20), [])


# -------------------------------------------------------------------- locale formats

NBSP = "\xa0"


@pytest.mark.parametrize("locale,amount,text", [
    ("fi_FI", "1234.50", f"1{NBSP}234,50{NBSP}€"),
    ("en_US", "1234.50", "€1,234.50"),
    ("sv_SE", "1234.50", f"1{NBSP}234,50{NBSP}€"),
    ("de_DE", "1234.50", f"1.234,50{NBSP}€"),
    ("fi_FI", "0.05", f"0,05{NBSP}€"),
    ("en_US", "1234567.8", "€1,234,567.80"),
])
def test_money_in_the_settings_locale(locale: str, amount: str, text: str):
    assert money(D(amount), "EUR", locale) == text


@pytest.mark.parametrize("locale,day,qty,rate", [
    ("fi_FI", "20.11.2026", "1,5", f"25,5{NBSP}%"),
    ("en_US", "Nov 20, 2026", "1.5", "25.5%"),
    ("sv_SE", "20 nov. 2026", "1,5", f"25,5{NBSP}%"),
    ("de_DE", "20.11.2026", "1,5", f"25,5{NBSP}%"),
])
def test_dates_numbers_and_rates_in_the_settings_locale(locale: str, day: str, qty: str,
                                                        rate: str):
    assert date(dt.date(2026, 11, 20), locale) == day
    assert number(D("1.5"), locale) == qty
    assert percent(D("25.5"), locale) == rate


def test_other_currencies_and_an_unknown_locale():
    assert money(D("1234.5"), "USD", "en_US") == "$1,234.50"
    assert money(D("1234.5"), "SEK", "sv_SE") == f"1{NBSP}234,50{NBSP}kr"
    with pytest.raises(SalescliError, match="unknown locale 'xx_YY'"):
        money(D(1), "EUR", "xx_YY")


def test_an_items_written_billing_wins_over_its_products():
    # reports make items from history's values (Item.of): what was written, as given
    from salescli.core.model import Item
    from salescli.core.money import item_billing

    assert item_billing(Item.of(product="support", billing="one-time"), PRODUCTS) == "one-time"
    assert item_billing(Item.of(product="support"), PRODUCTS) == "quarterly"
    assert item_billing(deal("- {product: support, billing: one-time}").items[0],
                        PRODUCTS) == "one-time"
    assert item_billing(deal("- {product: support}").items[0], PRODUCTS) == "quarterly"


def test_an_approval_counts_only_from_an_approver_whose_limit_covers_the_discount():
    d = deal("- {product: silma-pro, quantity: 12, discount: 20}")
    strict = SETTINGS.model_copy(update={"approvers": {"ville": D(30),
                                                       "sara": D(10)}})
    day = dt.date(2026, 11, 20)
    for who, why in (("nobody", "approved_by `nobody` is not one of the settings' approvers"),
                     ("sara", "approved_by `sara` may approve up to 10%")):
        with pytest.raises(QuoteError) as err:
            build_quote(d.model_copy(update={"approved_by": who}), ACCOUNT, PRODUCTS, strict,
                        day, [])
        assert str(err.value) == (
            f"cannot quote acme-erp: the 20% discount is over the 15% approval threshold and "
            f"{why} (item 1); an approver runs `salescli deal approve acme-erp`, or render "
            "a --draft")
    ok = build_quote(d.model_copy(update={"approved_by": "ville"}), ACCOUNT, PRODUCTS, strict,
                     day, [])
    assert ok.unapproved == [] and ok.approved_by == "ville"
