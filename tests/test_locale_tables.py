"""Tables and Markdown are for people: numbers in the settings' locale; CSV and JSON
stay exact for scripts (issue 18)."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from babel.numbers import format_currency
from babel.numbers import format_decimal
from babel.numbers import format_percent
from conftest import ACCOUNT
from conftest import DEAL
from conftest import Repo
from conftest import replaced

from salescli.core.l10n import Style
from salescli.core.output import human
from salescli.core.output import render
from salescli.core.output import totals_text

NBSP = "\xa0"  # Babel's (CLDR's) spaces in fi_FI numbers: no-break ones


# --------------------------------------------------------------- the formatter


@pytest.mark.parametrize("locale", ["en_US", "fi_FI", "sv_SE", "de_DE", "fr_FR", "hi_IN",
                                    "nl_NL"])
def test_style_writes_what_babel_writes(locale: str):
    style = Style.of(locale, ["EUR"])
    for value in ("0", "0.25", "5", "999.99", "1000", "12345.6", "1234567.89", "-1234.56",
                  "100000000"):
        for currency in ("EUR", "SEK", "USD"):  # SEK and USD: asked of Babel on the way
            assert style.money(D(value), currency) == format_currency(D(value), currency,
                                                                      locale=locale)
        assert style.number(D(value)) == format_decimal(D(value), locale=locale,
                                                        decimal_quantization=False)
        assert style.percent(D(value)) == format_percent(D(value) / 100, locale=locale,
                                                         decimal_quantization=False)


@pytest.mark.parametrize("locale,money,whole,rates,days", [
    ("en_US", "€48,000.00", "€48,001", ["94.2%", "33.3%", "50%", "0.5%"], "52.1"),
    ("fi_FI", f"48{NBSP}000,00{NBSP}€", f"48{NBSP}001{NBSP}€",
     [f"94,2{NBSP}%", f"33,3{NBSP}%", f"50{NBSP}%", f"0,5{NBSP}%"], "52,1"),
    ("de_DE", f"48.000,00{NBSP}€", f"48.001{NBSP}€",
     [f"94,2{NBSP}%", f"33,3{NBSP}%", f"50{NBSP}%", f"0,5{NBSP}%"], "52,1"),
])
def test_kinds_of_numbers(locale: str, money: str, whole: str, rates: list[str], days: str):
    style = Style.of(locale, ["EUR"])
    assert human(D("48000.00"), "money", style, "EUR") == money
    assert style.money(D("48000.50"), "EUR", whole=True) == whole  # half up, as money
    # rates 0..1: at most one decimal, none when it is zero
    assert [human(r, "rate", style) for r in (0.9423, 0.3333, 0.5, 0.0049)] == rates
    assert human(52.14, "days", style) == days
    assert human(27, "days", style) == "27"  # whole days in a stage stay whole
    assert human(40, "percent", style) == rates[2].replace("50", "40")
    assert human(D("48000.00"), "money", style) == money.strip("€" + NBSP)  # no currency
    for value in ("text", None, True, ["a"]):
        assert human(value, "count", style) == value


def test_render_formats_table_and_markdown_only():
    style = Style.of("fi_FI", ["EUR"])
    rows = [{"stage": "proposal", "count": 1200, "value": D("1234567.50"), "currency": "EUR",
             "win_rate": 0.3333, "close_date": "2026-12-15"}]
    columns = ("stage", "count", "value", "currency", "win_rate", "close_date")
    table = render(rows, columns, "table", style=style).splitlines()
    assert table[2].split("  ")[0:1] == ["proposal"]
    assert f"1{NBSP}200" in table[2] and f"1{NBSP}234{NBSP}567,50{NBSP}€" in table[2]
    assert f"33,3{NBSP}%" in table[2] and "2026-12-15" in table[2]
    markdown = render(rows, columns, "markdown", style=style).splitlines()
    assert f"| 1{NBSP}234{NBSP}567,50{NBSP}€ |" in markdown[2]
    assert render(rows, columns, "csv", style=style) == render(rows, columns, "csv") == (
        "stage,count,value,currency,win_rate,close_date\n"
        "proposal,1200,1234567.50,EUR,0.3333,2026-12-15")
    assert json.loads(render(rows, columns, "json", style=style))[0]["value"] == 1234567.5


def test_a_goals_amounts_are_money_where_the_row_has_a_currency():
    # a goal of won value counts money, the others count things: `60000` sat next to
    # `222,2 %` in a fi_FI table
    style = Style.of("fi_FI", ["EUR"])
    rows = [{"metric": "won_value", "actual": D("25800"), "target": D("60000"),
             "currency": "EUR"},
            {"metric": "deals_won", "actual": D("1200"), "target": D("4"), "currency": None}]
    table = render(rows, ("metric", "actual", "target", "currency"), "table",
                   style=style).splitlines()
    assert f"25{NBSP}800,00{NBSP}€" in table[2] and f"60{NBSP}000,00{NBSP}€" in table[2]
    assert [c.strip() for c in table[3].split("  ") if c.strip()] == [
        "deals_won", f"1{NBSP}200", "4"]


def test_totals_take_the_kind_and_currency_from_their_keys():
    style = Style.of("en_US", ["EUR"])
    totals = {"open": {"EUR": {"count": 1200, "value": D("367726.00")}},
              "value": {"EUR": D("5248806.20")}, "win_rate": 0.2817, "median_days": 50.0,
              "by_reason": {"budget": 34}, "won_value_unconverted": {}}
    assert totals_text(totals, style) == (
        "open EUR count: 1,200  open EUR value: €367,726.00  value EUR: €5,248,806.20  "
        "win_rate: 28.2%  median_days: 50.0  by_reason budget: 34  "
        "won_value_unconverted: -")
    assert totals_text(totals) == (  # no style: as the values are
        "open EUR count: 1200  open EUR value: 367726.00  value EUR: 5248806.20  "
        "win_rate: 0.2817  median_days: 50.0  by_reason budget: 34  "
        "won_value_unconverted: -")


# ------------------------------------------------------------ through the CLI


@pytest.fixture
def deals(repo: Repo) -> Repo:
    """One open deal of 1,234,567.50 EUR, one won (12,000.25), two lost: win rate 1/3."""
    repo.write("accounts/2026-10/acme-oy.yaml", ACCOUNT)
    repo.write("deals/2026-10/acme-erp.yaml", replaced(DEAL, "48000.00", "1234567.50"))
    beta = replaced(DEAL, "acme-erp", "beta")
    beta = replaced(beta, "value: 48000.00", "value: 12000.25")
    repo.write("deals/2026-10/beta.yaml",
               replaced(beta, "status: open", "status: won\nwon_date: 2026-10-20"))
    for n in (1, 2):
        lost = replaced(DEAL, "acme-erp", f"lost{n}")
        repo.write(f"deals/2026-10/lost{n}.yaml", replaced(
            lost, "status: open", "status: lost\nlost_reason: budget\nlost_date: 2026-10-15"))
    repo.commit()
    return repo


def in_locale(repo: Repo, locale: str) -> Repo:
    repo.edit("salescli.yaml", "locale: en_US", f"locale: {locale}")
    return repo


FUNNEL = ("report", "funnel", "--as-of", "2026-12-01", "--since", "2026-01-01")
FORECAST = ("report", "forecast", "--as-of", "2026-12-01")


def lines(repo: Repo, *args: str) -> list[str]:
    result = repo.run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_en_us_tables(deals: Repo):
    listing = lines(deals, "deal", "list")
    assert listing[2].split()[6:8] == ["€1,234,567.50", "EUR"]  # the title is two words
    assert lines(deals, "deal", "list", "--format", "markdown")[2].split(" | ")[5] \
        == "€1,234,567.50"
    funnel = lines(deals, *FUNNEL)
    assert funnel[2].split() == ["needs-analysis", "4", "25%", "2", "1", "0.0"]
    assert funnel[-2] == "deals: 4  won: 1  lost: 2  open: 1  win_rate: 33.3%"
    forecast = lines(deals, *FORECAST, "--format", "markdown")
    assert forecast[2:4] == [
        "| 2026-10  | won        | EUR        | 1       | €12,000.25    | €12,000.25  |",
        "| 2027-01  | pipeline   | EUR        | 1       | €1,234,567.50 | €123,456.75 |"]
    assert forecast[-2] == ("open EUR count: 1  open EUR value: €1,234,567.50  "
                            "open EUR weighted: €123,456.75")


def test_fi_fi_tables(deals: Repo):
    in_locale(deals, "fi_FI")
    value = f"1{NBSP}234{NBSP}567,50{NBSP}€"
    listing = lines(deals, "deal", "list")
    assert listing[2].split("  ")[0] == "acme-erp"
    assert f"  {value}  " in listing[2]
    assert f"| {value} |" in lines(deals, "deal", "list", "--format", "markdown")[2]
    funnel = lines(deals, *FUNNEL, "--format", "markdown")
    assert funnel[2] == (f"| needs-analysis | 4         | 25{NBSP}%         | 2           "
                         "| 1           | 0,0           |")
    assert funnel[-2] == f"deals: 4  won: 1  lost: 2  open: 1  win_rate: 33,3{NBSP}%"
    forecast = lines(deals, *FORECAST)
    assert forecast[3].split("  ")[0] == "2027-01"
    assert f"  {value}  123{NBSP}456,75{NBSP}€" in forecast[3]
    assert forecast[-2] == (f"open EUR count: 1  open EUR value: {value}  "
                            f"open EUR weighted: 123{NBSP}456,75{NBSP}€")


@pytest.mark.parametrize("locale", ["en_US", "fi_FI"])
def test_csv_and_json_stay_exact_in_any_locale(deals: Repo, locale: str):
    in_locale(deals, locale)
    assert lines(deals, "deal", "list", "--format", "csv")[1] == (
        "acme-erp,Order-processing automation,acme-oy,needs-analysis,open,1234567.50,EUR,"
        "2027-01-31,anna")
    assert json.loads(deals.run("deal", "list", "--format", "json").stdout)[0]["value"] \
        == 1234567.5
    assert lines(deals, *FUNNEL, "--format", "csv")[1] == "needs-analysis,4,0.25,2,1,0.0"
    funnel = json.loads(deals.run(*FUNNEL, "--format", "json").stdout)
    assert funnel["totals"]["win_rate"] == 0.3333
    assert lines(deals, *FORECAST, "--format", "csv")[2] == (
        "2027-01,pipeline,EUR,1,1234567.50,123456.75")
    forecast = json.loads(deals.run(*FORECAST, "--format", "json").stdout)
    assert forecast["totals"]["open"]["EUR"]["weighted"] == 123456.75


def test_an_unknown_locale_shows_tables_as_en_us(deals: Repo):
    in_locale(deals, "xx_YY")
    result = deals.run("deal", "list")
    assert result.exit_code == 0
    assert "€1,234,567.50" in result.stdout
    assert "unknown locale 'xx_YY'" in result.stderr
