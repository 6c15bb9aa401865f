"""Read-only views: list and show, through the one renderer."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from conftest import DEAL
from conftest import Repo
from conftest import deal_with
from conftest import replaced


@pytest.fixture
def two(filled: Repo) -> Repo:
    beta = deal_with(id="beta-crm", title='=HYPERLINK("x")', stage="proposal", owner="ville",
                     created="2026-11-02", close_date="2026-12-15", value=None)
    filled.write("deals/2026-11/beta-crm.yaml", beta + "items:\n  - {name: Work, quantity: 10, "
                 "unit_price: 120.50, discount: 10}\n")
    gone = replaced(DEAL, "acme-erp", "gone")
    filled.write("deals/2026-11/gone.yaml",
                 replaced(gone, "status: open", "status: lost\nlost_reason: budget"))
    filled.commit()
    return filled


def test_deal_list_table_sorted_by_close_date(two: Repo):
    result = two.run("deal", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "title", "account", "stage", "status", "value",
                                "currency", "close_date", "owner"]
    assert lines[2].startswith("beta-crm")
    assert "€1,084.50" in lines[2]  # 10 x 120.50 less 10 %: the items' total
    assert lines[3].startswith("acme-erp")
    assert len(lines) == 4  # the lost deal is not listed by default


def test_deal_list_filters_and_json(two: Repo):
    result = two.run("deal", "list", "--stage", "proposal", "--owner", "ville",
                     "--format", "json")
    data = json.loads(result.stdout)
    assert [d["id"] for d in data] == ["beta-crm"]
    assert data[0]["items"][0]["unit_price"] == 120.5
    assert data[0]["close_date"] == "2026-12-15"
    lost = json.loads(two.run("deal", "list", "--status", "lost", "--format", "json").stdout)
    assert [d["id"] for d in lost] == ["gone"]
    assert [d["id"] for d in json.loads(
        two.run("deal", "list", "--status", "all", "--format", "json").stdout)] == [
        "beta-crm", "acme-erp", "gone"]


def test_json_listings_print_what_pythons_json_prints(two: Repo):
    # listings print the index's stored JSON texts (output.json_array): they must be what
    # json.dumps prints of the same data, numbers and escapes included (and what every
    # output then goes through: U+2028 shown as its JSON escape)
    from salescli.core.output import dumps_json
    from salescli.core.output import terminal_safe

    two.write("deals/2026-11/odd.yaml", deal_with(
        id="odd", title=r'"Ärr \x85 \x7f € \u2028 \\ \""', close_date="2026-12-01") +
        "items:\n  - {name: Work, quantity: 2.5, unit_price: 99.95, discount: 12.5}\n")
    two.commit()
    for args in (("deal", "list", "--status", "all"), ("account", "list"), ("lead", "list")):
        out = two.run(*args, "--format", "json").stdout
        assert out == terminal_safe(dumps_json(json.loads(out))) + "\n"
    odd = json.loads(two.run("deal", "list", "--format", "json").stdout)[0]
    assert odd["title"] == 'Ärr \x85 \x7f € \u2028 \\ "'
    assert odd["items"][0]["quantity"] == 2.5 and odd["items"][0]["discount"] == 12.5


def test_csv_neutralises_formulas_and_markdown_renders(two: Repo):
    csv_out = two.run("deal", "list", "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "id,title,account,stage,status,value,currency,close_date,owner"
    assert csv_out[1].startswith("beta-crm,\"'=HYPERLINK(\"\"x\"\")\",acme-oy,proposal")
    md = two.run("deal", "list", "--format", "markdown").stdout.splitlines()
    assert md[0].startswith("| id ")
    assert md[1].startswith("|----")


def test_listings_show_any_column_of_their_table(two: Repo):
    assert two.run("log", "call", "acme-erp", "Intro", "--date", "2026-11-20").exit_code == 0
    assert two.run("task", "add", "acme-erp", "Send the offer", "--due", "2026-12-01",
                   "--date", "2026-11-20").exit_code == 0
    r = two.run("deal", "list", "--status", "all", "--columns",
                "id,source,last_activity,next_activity", "--format", "csv")
    assert r.stdout.splitlines() == ["id,source,last_activity,next_activity",
                                     "beta-crm,referral,,",
                                     "acme-erp,referral,2026-11-20,2026-12-01",
                                     "gone,referral,,"]
    r = two.run("account", "list", "--columns", "name,created,last_activity", "--format", "csv")
    assert r.stdout.splitlines() == ["name,created,last_activity", "Acme Oy,2026-10-01,"]
    two.write("leads/2026-11/beta-ltd.yaml", "id: beta-ltd\ncompany: Beta Ltd\n"
              "contact: {name: Eva, email: eva@beta.fi}\ncreated: 2026-11-02\n")
    for cache in ((), ("--no-cache",)):
        r = two.run("lead", "list", "--columns", "id,contact_email", "--format", "csv", *cache)
        assert r.stdout.splitlines() == ["id,contact_email", "beta-ltd,eva@beta.fi"]


def test_deal_show(two: Repo):
    result = two.run("deal", "show", "acme-erp")
    assert result.exit_code == 0
    out = result.stdout
    assert re.search(r"^title +Order-processing automation$", out, re.M)
    assert re.search(r"^next_step", out, re.M) is None  # absent fields are not shown
    assert "Stakeholders" in out and "matti-virtanen  economic-buyer" in out
    data = json.loads(two.run("deal", "show", "acme-erp", "--format", "json").stdout)
    assert data["value"] == 48000.0 and data["stakeholders"][0]["contact"] == "matti-virtanen"


def test_account_and_lead_views(two: Repo):
    two.write("leads/2026-11/beta-ltd.yaml", """
        id: beta-ltd
        company: Beta Ltd
        contact: {name: Sara Beta, email: sara@beta.example}
        source: website
        created: 2026-11-01
        """)
    two.commit()
    accounts = two.run("account", "list").stdout
    assert "acme-oy" in accounts and "Acme Oy" in accounts
    shown = two.run("account", "show", "acme-oy").stdout
    assert "Matti Virtanen" in shown and "economic-buyer" in shown
    leads = json.loads(two.run("lead", "list", "--status", "new", "--format", "json").stdout)
    assert [x["id"] for x in leads] == ["beta-ltd"]
    assert "Sara Beta" in two.run("lead", "show", "beta-ltd").stdout


def test_an_invalid_file_is_skipped_with_a_note(two: Repo):
    (two.root / "deals/2026-11/broken.yaml").write_text("id: [\n")
    result = two.run("deal", "list", "--format", "json")
    assert result.exit_code == 0
    assert [d["id"] for d in json.loads(result.stdout)] == ["beta-crm", "acme-erp"]
    assert "skipped 1 invalid file(s) such as deals/2026-11/broken.yaml" in result.stderr


def test_show_of_an_invalid_record_names_the_file_and_line(two: Repo):
    (two.root / "deals/2026-10/acme-erp.yaml").write_text(replaced(DEAL, "open", "opne"))
    result = two.run("deal", "show", "acme-erp")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: deals/2026-10/acme-erp.yaml:7:9: error: status: should be 'open', 'won' or "
        "'lost' [schema]; fix the file (see `salescli check`)")


def test_unknown_record(two: Repo):
    result = two.run("deal", "show", "nope")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: no deal 'nope' in deals/; see `salescli deal list` for the IDs")


@pytest.mark.parametrize("bad", ["../x", "/abs", "-rf", "--output=/tmp/x", "Acme", "",
                                 "a" * 300, "a/b", "..", "a b"])
def test_hostile_ids_are_refused_before_any_file_access(two: Repo, bad: str):
    result = two.run("deal", "show", "--", bad)
    assert result.exit_code == 2
    assert "invalid deal ID" in result.stderr
    assert "Traceback" not in result.output


def test_csv_cell_with_a_carriage_return_stays_in_its_row():
    import csv
    import io

    from salescli.core.output import render

    out = render([{"a": "\rcmd", "b": "x\ry"}, {"a": "plain", "b": "2"}], ("a", "b"), "csv")
    # printed CSV shows a CR escaped, as every printed format does (`terminal_safe`)
    assert list(csv.reader(io.StringIO(out))) == [["a", "b"], ["'\\rcmd", "x\\ry"],
                                                  ["plain", "2"]]
    assert out.splitlines()[-1] == "plain,2"  # ordinary rows keep minimal quoting


def test_reports_price_a_deal_by_its_items_as_deal_list_does(two: Repo):
    # history keeps an item's numbers, not its name: a named item (no product) and a
    # quantity of 0 still price as the listing prices them
    two.edit("deals/2026-11/beta-crm.yaml", "  - {name: Work",
             "  - {name: Spare, quantity: 0, unit_price: 999}\n  - {name: Work")
    # a close month of its own, ahead of whatever day this runs (a passed one is overdue)
    closes = dt.date.today() + dt.timedelta(days=400)
    two.edit("deals/2026-11/beta-crm.yaml", "close_date: 2026-12-15",
             f"close_date: {closes.isoformat()}")
    two.commit()
    listed = [r.split(",") for r in two.run("deal", "list", "--format", "csv").stdout.splitlines()]
    assert [r[5] for r in listed if r[0] == "beta-crm"] == ["1084.50"]
    for flags in ((), ("--no-cache",)):
        forecast = json.loads(two.run("report", "forecast", "--format", "json", *flags).stdout)
        beta = [r for r in forecast["rows"] if r["period"] == f"{closes:%Y-%m}"]
        assert [r["value"] for r in beta] == [1084.5], forecast["rows"]


def test_a_listing_prints_what_it_printed_until_a_record_or_the_settings_change(
        two: Repo, monkeypatch):
    """What a listing printed is kept in the record index by its options: run again
    with nothing changed, it is printed again without being made; a hand edit, another
    option, or settings that change a cell (the approval threshold, a custom field's
    type) make it again, and it is always what a read without the index prints."""
    from salescli.cli import deal as cli_deal

    made: list[str] = []
    real = cli_deal.shown_listing

    def spied(repo, kind, rows, found, layout, fmt, records=None):
        made.append(fmt)
        return real(repo, kind, rows, found, layout, fmt, records)

    monkeypatch.setattr(cli_deal, "shown_listing", spied)

    def printed(*args: str) -> str:
        r = two.run("deal", "list", *args)
        fresh = two.run("deal", "list", "--no-cache", *args)
        assert r.exit_code == 0 and r.stdout == fresh.stdout, r.output
        made.pop()  # (the read without the index made it)
        return r.stdout

    first = printed()
    assert len(made) == 1
    assert printed() == first and len(made) == 1  # kept
    assert printed("--format", "csv") != first and len(made) == 2
    assert printed("--format", "csv") and len(made) == 2
    printed("--status", "all", "--format", "csv")
    assert len(made) == 3
    printed("--format", "json")
    printed("--format", "json")
    assert len(made) == 5  # JSON is the index's own text: not kept
    two.edit("deals/2026-10/acme-erp.yaml", "title: ", "title: New ")
    assert "New " in printed("--format", "csv") and len(made) == 6
    # beta-crm's 10 % discount awaits approval once the threshold is under it
    assert "pending approval" not in printed("--format", "csv")
    two.edit("salescli.yaml", "discount_approval_threshold: 15", "discount_approval_threshold: 5")
    assert "pending approval" in printed("--format", "csv")
    # a custom field's cells follow its declared type
    two.edit("deals/2026-10/acme-erp.yaml", "title: ", "seats: 12.50\ntitle: ")
    settings = two.root / "salescli.yaml"
    settings.write_text(settings.read_text() + "custom_fields:\n  deal:\n    seats: {type: text}\n")
    as_text = printed("--columns", "id,seats", "--format", "csv")
    n = len(made)
    settings.write_text(settings.read_text().replace("{type: text}", "{type: money}"))
    as_money = printed("--columns", "id,seats", "--format", "csv")
    assert as_money != as_text and len(made) == n + 1


def test_the_kept_forecast_follows_the_price_list(two: Repo):
    """`report forecast` as of today is kept (services.reports) by the price list too:
    a deal priced by a product's price is priced anew when products.yaml changes."""
    closes = dt.date.today() + dt.timedelta(days=400)
    two.write("products.yaml", "products:\n  - {sku: support, name: Support, "
              "unit_price: 1000.00}\n")
    two.edit("deals/2026-11/beta-crm.yaml", "  - {name: Work, quantity: 10, unit_price: 120.50, "
             "discount: 10}", "  - {product: support, quantity: 2}")
    two.edit("deals/2026-11/beta-crm.yaml", "close_date: 2026-12-15",
             f"close_date: {closes.isoformat()}")
    two.commit()

    def beta() -> list:
        values = []
        for flags in ((), ("--no-cache",)):
            r = two.run("report", "forecast", "--format", "json", *flags)
            assert r.exit_code == 0, r.output
            values.append([row["value"] for row in json.loads(r.stdout)["rows"]
                           if row["period"] == f"{closes:%Y-%m}"])
        assert values[0] == values[1]
        return values[0]

    assert beta() == [2000.0]
    assert beta() == [2000.0]  # (kept)
    two.edit("products.yaml", "1000.00", "1100.00")
    assert beta() == [2200.0]


def test_listings_answer_with_settings_that_cannot_be_read(two: Repo):
    """Settings `check` rejects leave a listing that needs none of them as it was: the
    kept answer cannot be told from them, so the listing is worked out, not refused."""
    two.edit("salescli.yaml", "follow_up_days: 14", "follow_up_days: -3")
    two.write("leads/2026-11/beta-ltd.yaml", "id: beta-ltd\ncompany: Beta Ltd\n"
              "created: 2026-11-02\n")
    for args in (("lead", "list"), ("account", "list", "--format", "csv")):
        fresh = two.run(*args, "--no-cache")
        assert fresh.exit_code == 0 and fresh.stdout.strip()
        for _ in range(2):
            r = two.run(*args)
            assert (r.exit_code, r.stdout, r.stderr) == (0, fresh.stdout, fresh.stderr)
