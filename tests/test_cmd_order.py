"""A quote's lifecycle (`quote accept`, `quote reject`), `deal win`'s value from the
accepted quote, `today`'s expiring quotes and `order`: each one commit, or nothing."""

from __future__ import annotations

import json

import pytest
from conftest import Repo
from conftest import customer
from conftest import deals_to_quote
from conftest import in_stage
from conftest import refused
from conftest import replaced
from conftest import seller

DEAL_FILE = "deals/2026-10/acme-erp.yaml"
BETA_FILE = "deals/2026-10/beta-crm.yaml"


@pytest.fixture
def quoted(repo: Repo) -> Repo:
    """Two deals; acme-erp has quote Q-2026-0001 v1 of 2026-11-20 (valid 30 days)."""
    seller(repo)
    customer(repo)
    deals_to_quote(repo)
    repo.commit()
    r = repo.run("quote", "acme-erp", "--date", "2026-11-20")
    assert r.exit_code == 0, r.output
    return repo


def deal(repo: Repo, deal_id: str = "acme-erp") -> dict:
    r = repo.run("deal", "show", deal_id, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def subject(repo: Repo) -> str:
    return repo.git("log", "-1", "--format=%s").strip()


def changed_files(repo: Repo) -> list[str]:
    return repo.git("show", "--name-only", "--format=", "HEAD").split()


# ---------------------------------------------------------------- accept, reject


def test_a_recorded_quote_is_sent(quoted: Repo):
    assert "status: sent" in (quoted.root / DEAL_FILE).read_text()
    q = deal(quoted)["quotes"][0]
    assert (q["number"], q["version"]) == ("Q-2026-0001", 1)


def test_accept_records_the_decision_in_one_commit(quoted: Repo):
    r = quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Quote Q-2026-0001 v1 of acme-erp accepted [")
    assert subject(quoted) == "deal(acme-erp): quote accept Q-2026-0001 v1"
    assert changed_files(quoted) == [DEAL_FILE]
    assert quoted.status() == ""
    q = deal(quoted)["quotes"][0]
    assert (q["status"], q["decided"]) == ("accepted", "2026-11-25")
    r = quoted.run("deal", "show", "acme-erp")
    assert "Quotes" in r.stdout and "accepted" in r.stdout


def test_another_format_of_an_accepted_quote_stays_accepted(quoted: Repo):
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25").exit_code == 0
    r = quoted.run("quote", "acme-erp", "--format", "html", "--date", "2026-11-26")
    assert r.exit_code == 0, r.output
    assert "Quote Q-2026-0001 v1" in r.stdout
    assert [(q["version"], q["status"], q["decided"]) for q in deal(quoted)["quotes"]] == [
        (1, "accepted", "2026-11-25"), (1, "accepted", "2026-11-25")]


def test_accepting_a_quote_accepts_each_of_its_formats(quoted: Repo):
    assert quoted.run("quote", "acme-erp", "--format", "html", "--date", "2026-11-22",
                      "--lang", "fi").exit_code == 0
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25").exit_code == 0
    assert [(q["version"], q["status"], q["decided"]) for q in deal(quoted)["quotes"]] == [
        (1, "accepted", "2026-11-25"), (1, "accepted", "2026-11-25")]


def test_reject_records_the_reason(quoted: Repo):
    r = quoted.run("quote", "reject", "acme-erp", "Q-2026-0001", "--reason", "Over budget",
                   "--date", "2026-11-25")
    assert r.exit_code == 0, r.output
    assert subject(quoted) == "deal(acme-erp): quote reject Q-2026-0001 v1"
    q = deal(quoted)["quotes"][0]
    assert (q["status"], q["decided"], q["reason"]) == ("rejected", "2026-11-25", "Over budget")


def test_a_missing_status_reads_as_sent_and_expired_is_derived(quoted: Repo):
    quoted.edit(DEAL_FILE, ", status: sent", "")
    path = quoted.edit(DEAL_FILE, "date: 2026-11-20", "date: 2020-01-01")
    quoted.commit("a quote recorded before statuses")
    assert "status" not in path.read_text().split("quotes:")[1]
    # 2020-01-01 + 30 days: valid through 2020-01-31, long before the test runs
    assert deal(quoted)["quotes"][0]["status"] == "expired"
    r = quoted.run("quote", "accept", "acme-erp", "--date", "2020-01-31")
    assert r.exit_code == 0, r.output
    assert deal(quoted)["quotes"][0]["status"] == "accepted"


def test_quote_deal_still_makes_a_quote(quoted: Repo):
    r = quoted.run("quote", "--format", "html", "beta-crm", "--date", "2026-11-21")
    assert r.exit_code == 0, r.output
    assert "Quote Q-2026-0002 v1 for beta-crm: quotes/beta-crm/Q-2026-0002-v1.html" in r.stdout
    r = quoted.run("quote", "make", "beta-crm", "--dry-run", "--date", "2026-11-21")
    assert r.exit_code == 0 and "Q-2026-0002" in r.stdout
    r = quoted.run("quote", "--help")
    assert "salescli quote accept DEAL [NUMBER]" in r.stdout
    assert "salescli quote DEAL" in r.stdout


def test_refusals_leave_the_repository_unchanged(quoted: Repo):
    refused(quoted, ["quote", "accept", "beta-crm"], 1,
            "beta-crm has no quote; make one with `salescli quote beta-crm`")
    refused(quoted, ["quote", "accept", "acme-erp", "Q-2026-0009"], 1,
            "acme-erp has no quote Q-2026-0009; its quotes: Q-2026-0001 v1")
    refused(quoted, ["quote", "accept", "acme-erp", "--date", "2026-12-21"], 1,
            "quote Q-2026-0001 v1 of acme-erp expired on 2026-12-20; re-issue it with "
            "`salescli quote acme-erp`")
    r = quoted.run("quote", "reject", "acme-erp")
    assert r.exit_code == 2 and "--reason" in r.stderr
    refused(quoted, ["quote", "reject", "acme-erp", "--reason", " "], 2,
            "--reason is empty: say why, in words")
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-22").exit_code == 0
    head = quoted.head()  # accepted again: nothing to record; rejected now: refused
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-23").stdout == \
        "Quote Q-2026-0001 v1 of acme-erp accepted (no change: nothing to commit)\n"
    assert quoted.head() == head
    refused(quoted, ["quote", "reject", "acme-erp", "--reason", "x", "--date", "2026-11-23"],
            1, "quote Q-2026-0001 v1 of acme-erp was already accepted on 2026-11-22")


def test_an_answer_or_an_order_is_not_dated_before_what_it_answers(quoted: Repo):
    refused(quoted, ["quote", "accept", "acme-erp", "--date", "2026-11-19"], 1,
            "quote Q-2026-0001 v1 of acme-erp is dated 2026-11-20: the customer's answer "
            "comes then or later (--date)")
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-22").exit_code == 0
    refused(quoted, ["order", "acme-erp", "--date", "2026-11-21"], 1,
            "quote Q-2026-0001 v1 of acme-erp was accepted on 2026-11-22: its order is dated "
            "then or later (--date)")


def test_a_lost_deal_is_not_quoted_accepted_or_ordered(quoted: Repo):
    # as a lost deal is not invoiced: the customer said no, or the deal is not lost
    r = quoted.run("deal", "lose", "acme-erp", "--reason", "price", "--date", "2026-11-21")
    assert r.exit_code == 0, r.output
    reopen = "(`salescli deal reopen acme-erp --reason TEXT`)"
    refused(quoted, ["quote", "accept", "acme-erp", "--date", "2026-11-22"], 1,
            f"acme-erp is lost: reopen it before its quote is accepted {reopen}")
    for args in (["quote", "acme-erp"], ["quote", "acme-erp", "--dry-run"]):
        refused(quoted, args, 1, f"acme-erp is lost: reopen it before you quote it {reopen}")
    refused(quoted, ["order", "acme-erp", "--dry-run"], 1,
            f"acme-erp is lost: reopen it before its order is confirmed {reopen}")
    # the customer's no may still be recorded
    assert quoted.run("quote", "reject", "acme-erp", "--reason", "price",
                      "--date", "2026-11-22").exit_code == 0


def test_only_the_latest_version_and_a_new_version_of_the_accepted_one(quoted: Repo):
    quoted.edit(DEAL_FILE, "quantity: 40", "quantity: 30")
    quoted.commit("fewer hours")
    assert quoted.run("quote", "acme-erp", "--date", "2026-11-21").exit_code == 0
    refused(quoted, ["quote", "accept", "acme-erp", "v1", "--date", "2026-11-22"], 1,
            "quote Q-2026-0001 v1 of acme-erp is not the latest version of Q-2026-0001; "
            "accept the latest (`salescli quote accept acme-erp Q-2026-0001`)")
    # the older version may still be rejected; `NUMBER-vN` names it
    r = quoted.run("quote", "reject", "acme-erp", "Q-2026-0001-v1", "--reason", "superseded",
                   "--date", "2026-11-22")
    assert r.exit_code == 0, r.output
    r = quoted.run("quote", "accept", "acme-erp", "Q-2026-0001", "--date", "2026-11-22")
    assert r.exit_code == 0, r.output
    assert "Q-2026-0001 v2" in r.stdout
    assert [q["status"] for q in deal(quoted)["quotes"]] == ["rejected", "accepted"]
    # v2 ordered; then the customer agrees to a change: a third version, accepted, is
    # the contract from then on (v2's acceptance stays recorded), and gets its order
    assert quoted.run("order", "acme-erp", "--date", "2026-11-22").exit_code == 0
    quoted.edit(DEAL_FILE, "quantity: 30", "quantity: 20")
    quoted.commit("fewer hours again")
    assert quoted.run("quote", "acme-erp", "--date", "2026-11-23").exit_code == 0
    r = quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-24")
    assert r.exit_code == 0, r.output
    assert [q["status"] for q in deal(quoted)["quotes"]] == ["rejected", "accepted",
                                                             "accepted"]
    r = quoted.run("order", "acme-erp", "--date", "2026-11-24")
    assert r.exit_code == 0 and "(quote Q-2026-0001 v3)" in r.stdout, r.output
    assert "| 20 h |" in (quoted.root / "orders/acme-erp/O-2026-0002.md").read_text()


# ------------------------------------------------------------------------ today


def test_today_lists_a_quote_expiring_within_a_week(quoted: Repo):
    def reasons(on: str) -> list[str]:
        r = quoted.run("today", "--on", on, "--format", "json")
        assert r.exit_code == 0, r.output
        return [x["text"] for row in json.loads(r.stdout)["rows"] for x in row["reasons"]
                if x["what"] == "quote-expiring"]

    assert reasons("2026-12-12") == []
    assert reasons("2026-12-13") == [
        "quote Q-2026-0001 v1 expires in 7 days (2026-12-20): accepted? "
        "salescli quote accept acme-erp Q-2026-0001"]
    assert reasons("2026-12-20") == [
        "quote Q-2026-0001 v1 expires today: accepted? salescli quote accept acme-erp "
        "Q-2026-0001"]
    assert reasons("2026-12-21") == []  # expired: re-issue, not accept
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-12-14").exit_code == 0
    assert reasons("2026-12-15") == []


def test_today_follows_no_quote_of_another_file_with_the_same_id(quoted: Repo):
    """A deal ID in two files (check reports it): the quotes are the deal's table rows of
    both files under one ID, so none is offered to follow up, never another file's."""
    text = replaced(quoted.root.joinpath(DEAL_FILE).read_text(),
                    "status: sent", "status: accepted, decided: 2026-11-21")
    quoted.write("deals/2026-11/acme-erp.yaml",
                 replaced(text, "stage: needs-analysis", "stage: proposal"))
    r = quoted.run("today", "--on", "2026-12-13", "--format", "json")
    assert r.exit_code == 0, r.output
    assert [x for row in json.loads(r.stdout)["rows"] for x in row["reasons"]
            if x["what"] == "quote-expiring"] == []
    assert quoted.run("check").exit_code == 1  # and check says why


# ------------------------------------------------------------------------ deal win


def test_win_takes_the_accepted_quotes_total(quoted: Repo):
    in_stage(quoted, DEAL_FILE, "contracting")
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25").exit_code == 0
    r = quoted.run("deal", "win", "acme-erp", "--date", "2026-11-26")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Won deal acme-erp (value €4,800.00: accepted quote "
                               "Q-2026-0001 v1, excl. VAT) [")
    assert deal(quoted)["value"] == 4800
    # written as the quote's total is, in cents
    assert "\nvalue: 4800.00\n" in (quoted.root / DEAL_FILE).read_text("utf-8")


def test_win_value_overrides_the_quote(quoted: Repo):
    in_stage(quoted, DEAL_FILE, "contracting")
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25").exit_code == 0
    r = quoted.run("deal", "win", "acme-erp", "--value", "5000", "--date", "2026-11-26")
    assert r.exit_code == 0, r.output
    assert "(value €5,000.00 from --value)" in r.stdout
    assert deal(quoted)["value"] == 5000


def test_win_without_an_accepted_quote_keeps_the_value(quoted: Repo):
    in_stage(quoted, DEAL_FILE, "contracting")
    r = quoted.run("deal", "win", "acme-erp", "--date", "2026-11-26")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Won deal acme-erp [")
    assert deal(quoted)["value"] == 48000


def test_a_pipeline_may_require_an_accepted_quote(quoted: Repo):
    quoted.edit("pipelines/default.yaml", "won: {requires: []}",
                "won: {requires: [accepted_quote]}")
    quoted.commit("winning needs an accepted quote")
    in_stage(quoted, DEAL_FILE, "contracting")
    assert quoted.run("check").exit_code == 0
    r = quoted.run("deal", "win", "acme-erp", "--date", "2026-11-26")
    assert r.exit_code == 1
    assert "an accepted quote (`salescli quote accept acme-erp`)" in r.stderr
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25").exit_code == 0
    assert quoted.run("deal", "win", "acme-erp", "--date", "2026-11-26").exit_code == 0


def test_check_validates_the_status(quoted: Repo):
    quoted.edit(DEAL_FILE, "status: sent", "status: maybe")
    r = quoted.run("check")
    assert r.exit_code == 1
    assert "error: quotes[0].status: should be 'sent', 'accepted' or 'rejected'" in r.stdout


# ------------------------------------------------------------------------ orders


def test_order_is_refused_without_an_accepted_quote(quoted: Repo):
    refused(quoted, ["order", "acme-erp"], 1,
            "acme-erp has no accepted quote; record the customer's acceptance with "
            "`salescli quote accept acme-erp`")


def test_order_needs_the_sellers_name(quoted: Repo):
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25").exit_code == 0
    quoted.edit("salescli.yaml", "name: Hubble Oy", "name: null")
    quoted.commit()
    refused(quoted, ["order", "acme-erp", "--date", "2026-11-26"], 1,
            "an order confirmation needs the seller's name: set company.name in salescli.yaml")


def test_order_records_the_document_and_the_deal_in_one_commit(quoted: Repo):
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25").exit_code == 0
    r = quoted.run("order", "acme-erp", "--date", "2026-11-26")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Order O-2026-0001 for acme-erp (quote Q-2026-0001 v1): "
                               "orders/acme-erp/O-2026-0001.md [")
    assert subject(quoted) == "deal(acme-erp): order O-2026-0001 (quote Q-2026-0001 v1)"
    assert sorted(changed_files(quoted)) == [DEAL_FILE, "orders/acme-erp/O-2026-0001.md"]
    assert quoted.status() == ""
    text = (quoted.root / "orders/acme-erp/O-2026-0001.md").read_text()
    assert "| Order | O-2026-0001 |" in text
    assert "| Based on quote | Q-2026-0001 v1 of Nov 20, 2026 |" in text
    assert "Not yet an order" not in text
    assert "Integration work" in text
    assert deal(quoted)["orders"] == [{
        "number": "O-2026-0001", "date": "2026-11-26", "quote": "Q-2026-0001", "version": 1,
        "total": 4800, "currency": "EUR", "file": "orders/acme-erp/O-2026-0001.md"}]
    r = quoted.run("deal", "show", "acme-erp")
    assert "Orders" in r.stdout and "O-2026-0001" in r.stdout
    refused(quoted, ["order", "acme-erp", "--date", "2026-11-27"], 1,
            "acme-erp already has order O-2026-0001 for quote Q-2026-0001 v1: "
            "orders/acme-erp/O-2026-0001.md")
    assert quoted.run("check").exit_code == 0


def test_an_order_in_swedish_as_html_and_as_pdf(quoted: Repo):
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25").exit_code == 0
    # dated, as every order here: its number carries the year
    r = quoted.run("order", "acme-erp", "--dry-run", "--format", "html", "--lang", "sv",
                   "--date", "2026-11-26")
    assert r.exit_code == 0, r.output
    assert '<html lang="sv">' in r.stdout and "Orderbekräftelse" in r.stdout
    assert "Order confirmation" not in r.stdout  # every text through the catalogue
    r = quoted.run("order", "acme-erp", "--format", "pdf", "--lang", "sv", "--date", "2026-11-26")
    assert r.exit_code == 0, r.output
    assert (quoted.root / "orders/acme-erp/O-2026-0001.pdf").read_bytes().startswith(b"%PDF")


def test_order_lines_are_the_accepted_quotes(quoted: Repo):
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25").exit_code == 0
    quoted.edit(DEAL_FILE, "quantity: 40", "quantity: 10")
    quoted.commit("the items changed after the acceptance")
    r = quoted.run("order", "acme-erp", "--dry-run", "--date", "2026-11-26")
    assert r.exit_code == 0, r.output
    assert "| O-2026-0001 |" in r.stdout
    assert "| 40 h |" in r.stdout and "| 10 h |" not in r.stdout  # as quoted, and said
    assert "note: acme-erp's items are not those of its accepted quote Q-2026-0001 v1: " \
        "the order has the quote's" in r.stderr
    assert quoted.status() == "" and not (quoted.root / "orders").exists()


def test_render_copies_the_issued_order_not_the_deals_items_now(quoted: Repo):
    # the README's `render order-confirmation DEAL`: the order as it was issued, in
    # another language too; not the items changed since with the order's number
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25").exit_code == 0
    assert quoted.run("order", "acme-erp", "--date", "2026-11-26").exit_code == 0
    quoted.edit(DEAL_FILE, "quantity: 40", "quantity: 10")
    quoted.commit("the items changed after the order")
    r = quoted.run("render", "order-confirmation", "acme-erp", "--date", "2026-12-01")
    assert r.exit_code == 0, r.output
    assert r.stdout == (quoted.root / "orders/acme-erp/O-2026-0001.md").read_text()
    r = quoted.run("render", "order-confirmation", "acme-erp", "--lang", "fi")
    assert r.exit_code == 0 and "| 40 h |" in r.stdout and "O-2026-0001" in r.stdout, \
        r.output
    assert r.stderr == ""  # a copy: no note that the deal's items changed since


def test_the_accepted_quote_is_billed_at_its_prices_after_the_price_list_changes(
        quoted: Repo):
    # gamma: 12 x silma-pro monthly at the 10+ tier, 270.00, quoted and accepted, won
    quoted.write("deals/2026-10/gamma.yaml", """
        id: gamma
        title: Gamma
        account: acme-oy
        stage: needs-analysis
        close_date: 2027-01-31
        created: 2026-10-03
        items:
          - {product: silma-pro, quantity: 12}
        """)
    quoted.commit()
    for args in (("quote", "gamma", "--date", "2026-11-20"),
                 ("quote", "accept", "gamma", "--date", "2026-11-21")):
        assert quoted.run(*args).exit_code == 0
    quoted.edit("deals/2026-10/gamma.yaml", "stage: needs-analysis",
                "stage: needs-analysis\nstatus: won\nwon_date: 2026-11-22")
    quoted.edit("products.yaml", "{min: 10, unit_price: 270.00}",
                "{min: 10, unit_price: 290.00}")
    quoted.edit("salescli.yaml", "business_id: null ", "business_id: 2345678-9 ")
    quoted.edit("salescli.yaml", "iban: null ", "iban: FI37 1590 3000 0007 76 ")
    customer(quoted, "billing_address: {street: Katu 1, postcode: '00510', city: Helsinki}\n")
    quoted.commit("won; the price list raised for new customers")
    for args in (("order", "gamma"), ("invoice", "gamma", "--period", "2026-11")):
        r = quoted.run(*args, "--date", "2026-11-23", "--format", "md", "--lang", "en")
        assert r.exit_code == 0, r.output
    order = next((quoted.root / "orders/gamma").iterdir()).read_text()
    invoice = (quoted.root / "invoices/2026/20260001.md").read_text()
    for text in (order, invoice):
        assert "270.00" in text and "290.00" not in text
    # a credit note after another raise lists the invoice's lines, VAT per rate
    quoted.edit("products.yaml", "unit_price: 290.00", "unit_price: 310.00")
    quoted.commit("raised again")
    r = quoted.run("invoice", "gamma", "--credit", "20260001", "--dry-run", "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "| -12 month |" in r.stdout and "270.00" in r.stdout


def test_order_numbers_run_across_deals_and_restart_each_year(quoted: Repo):
    assert quoted.run("quote", "beta-crm", "--date", "2026-11-21").exit_code == 0
    for d in ("acme-erp", "beta-crm"):
        assert quoted.run("quote", "accept", d, "--date", "2026-11-25").exit_code == 0
    r = quoted.run("order", "acme-erp", "--date", "2026-12-01")
    assert "O-2026-0001" in r.stdout, r.output
    r = quoted.run("order", "beta-crm", "--date", "2026-12-02", "--format", "html")
    assert "Order O-2026-0002 for beta-crm" in r.stdout, r.output
    html = (quoted.root / "orders/beta-crm/O-2026-0002.html").read_text()
    assert "<h1>Order confirmation O-2026-0002</h1>" in html
    assert "Q-2026-0002 v1" in html and "Licence" in html


def test_order_numbering_restarts_in_a_new_year(quoted: Repo):
    path = quoted.root / DEAL_FILE
    # an order recorded last year, by hand: the new year starts again at 0001
    text = path.read_text() + (
        "orders:\n  - {number: O-2026-0007, date: 2026-12-30, quote: Q-2026-0001, "
        "version: 1, total: 4800.00, currency: EUR, file: orders/acme-erp/O-2026-0007.md}\n")
    path.write_text(text)
    quoted.commit("an order of 2026")
    assert quoted.run("quote", "beta-crm", "--date", "2026-12-28").exit_code == 0
    assert quoted.run("quote", "accept", "beta-crm", "--date", "2027-01-02").exit_code == 0
    r = quoted.run("order", "beta-crm", "--date", "2027-01-03")
    assert "Order O-2027-0001 for beta-crm" in r.stdout, r.output


def test_a_deleted_deals_numbers_stay_used_and_its_invoices_keep_it(quoted: Repo):
    # acme-erp's quote Q-2026-0001 and order O-2026-0001 stay filed after it is deleted
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25").exit_code == 0
    assert quoted.run("order", "acme-erp", "--date", "2026-11-26").exit_code == 0
    assert quoted.run("deal", "delete", "acme-erp", "--reason", "duplicate").exit_code == 0
    r = quoted.run("quote", "beta-crm", "--date", "2026-11-27")
    assert r.exit_code == 0 and "Q-2026-0002" in r.stdout, r.output
    assert quoted.run("quote", "accept", "beta-crm", "--date", "2026-11-27").exit_code == 0
    r = quoted.run("order", "beta-crm", "--dry-run", "--date", "2026-11-28")
    assert "| O-2026-0002 |" in r.stdout, r.output
    # a deal with an invoice is kept: the books keep it
    quoted.edit(BETA_FILE, "stage: needs-analysis",
                "stage: needs-analysis\nstatus: won\nwon_date: 2026-11-28\ninvoices:\n"
                "  - {number: '20260001', date: 2026-11-28, due: 2026-12-12, total: 1000.00, "
                "vat: 240.00, currency: EUR, file: invoices/2026/20260001.md, sha256: "
                + "a" * 64 + "}")
    quoted.commit()
    refused(quoted, ["deal", "delete", "beta-crm", "--reason", "oops"], 1,
            "cannot delete beta-crm: it has invoices (20260001), which the books keep with "
            "their deal; to undo one, credit it (`salescli invoice beta-crm --credit "
            "NUMBER`)")


def test_filed_numbers_keep_their_dots_and_drop_their_version(tmp_path):
    from salescli.services.documents import filed_numbers

    for rel in ("a/Q.2026.0001-v2.md", "a/Q.2026.0001-v1.pdf", "b/Q-2026-0003-v1.html",
                "b/.gitkeep", "b/notes.txt"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert sorted(filed_numbers(tmp_path)) == ["Q-2026-0003", "Q.2026.0001", "Q.2026.0001"]
    assert filed_numbers(tmp_path / "none") == []


def test_the_quote_is_found_after_a_rename_and_when_dated_ahead(quoted: Repo):
    # acme-erp: quoted 2026-11-20 (40 h), accepted, more hours added, then renamed
    assert quoted.run("quote", "accept", "acme-erp", "--date", "2026-11-25").exit_code == 0
    quoted.edit(DEAL_FILE, "quantity: 40", "quantity: 50")
    quoted.commit("more hours")
    assert quoted.run("deal", "rename", "acme-erp", "acme-erp-2").exit_code == 0
    r = quoted.run("order", "acme-erp-2", "--dry-run", "--date", "2026-11-26")
    assert r.exit_code == 0 and "| 40 h |" in r.stdout, r.output
    # beta-crm: quoted for a day ahead (its commit is dated before it), then changed
    for args in (("quote", "beta-crm", "--date", "2027-01-10"),
                 ("quote", "accept", "beta-crm", "--date", "2027-01-12"),
                 ("deal", "item", "add", "beta-crm", "--name", "Extra", "--unit-price", "50",
                  "--tax-rate", "24")):
        assert quoted.run(*args).exit_code == 0, args
    r = quoted.run("order", "beta-crm", "--dry-run", "--date", "2027-01-15")
    assert r.exit_code == 0 and "Extra" not in r.stdout, r.output
