"""`salescli invoice`: invoices and credit notes, each one commit with the deal's record;
`check` flags an issued invoice that was edited."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from conftest import Repo
from conftest import clock
from conftest import customer
from conftest import refused
from conftest import replaced
from conftest import seller
from ruamel.yaml import YAML

DEAL_FILE = "deals/2026-10/acme-erp.yaml"
NBSP = "\xa0"


@pytest.fixture
def billing(repo: Repo) -> Repo:
    """A seller with bank details, a customer with a billing address, and a deal won on
    2026-10-15: a monthly licence (12 x 270 €), quarterly support for two quarters and
    one-time integration work."""
    seller(repo, ("business_id: null ", "business_id: 2345678-9"),
           ("vat_number: null ", "vat_number: FI23456789"),
           ("iban: null ", "iban: FI37 1590 3000 0007 76"), ("  bic: null", "  bic: NDEAFIHH"),
           ("address: null ", "address: {street: Tekniikantie 1, postcode: '02150', "
                              "city: Espoo}"))
    customer(repo, """
        business_id: 1234567-8
        vat_number: FI12345678
        billing_address: {street: Teollisuuskatu 1, postcode: "00510", city: Helsinki}
        """)
    repo.write(DEAL_FILE, """
        id: acme-erp
        title: Order processing
        account: acme-oy
        stage: contracting
        status: won
        won_date: 2026-10-15
        created: 2026-10-01
        stakeholders:
          - {contact: matti-virtanen}
        items:
          - {product: silma-pro, quantity: 12, discount: 10}
          - {product: support, cycles: 2}
          - {name: Integration work, quantity: 40, unit: h, unit_price: 120.00, tax_rate: 25.5}
        """)
    repo.write("deals/2026-10/beta-crm.yaml", """
        id: beta-crm
        title: CRM
        account: acme-oy
        stage: contracting
        status: won
        won_date: 2026-10-20
        created: 2026-10-02
        items:
          - {name: Licence, quantity: 1, unit_price: 1000.00, tax_rate: 24}
        """)
    repo.commit()
    return repo


def deal_invoices(repo: Repo, rel: str = DEAL_FILE) -> list[dict]:
    return YAML(typ="safe").load((repo.root / rel).read_text()).get("invoices", [])


def test_first_invoice_bills_one_time_items_and_the_first_period(billing: Repo):
    before = billing.head()
    r = billing.run("invoice", "acme-erp", "--date", "2026-10-31")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Invoice 20260001 for acme-erp: invoices/2026/20260001.md (")
    assert billing.git("rev-list", "--count", f"{before}..HEAD").strip() == "1"
    changed = billing.git("show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == [DEAL_FILE, "invoices/2026/20260001.md"]
    assert billing.status() == ""
    doc = (billing.root / "invoices/2026/20260001.md").read_text()
    # 12 x 270 € less 10 % = 2,916 €; support 1,000 €; 40 h x 120 € = 4,800 €: one
    # period each, VAT 25.5 % once: 8,716 € + 2,222.58 € = 10,938.58 €
    assert "# Invoice 20260001\n" in doc
    assert "| Date | Oct 31, 2026 |\n| Due date | Nov 14, 2026 |" in doc
    assert "| Billing period | 2026-10 |" in doc
    # 20260001's check digit: 1x7 + 6x3 + 2x1 + 2x3 = 33, 10 - 3 = 7; grouped from the right
    assert "| Reference number | 2026 00017 |" in doc
    assert "| Total excluding VAT | €8,716.00 |" in doc
    assert "| VAT 25.5% of €8,716.00 | €2,222.58 |" in doc
    assert "| **Total due** | **€10,938.58** |" in doc
    assert "Business ID: 2345678-9" in doc and "VAT number: FI23456789" in doc
    assert "IBAN: FI37 1590 3000 0007 76" in doc and "BIC: NDEAFIHH" in doc
    assert "**Seller:** Hubble Oy  \nTekniikantie 1  \n02150 Espoo  \n" in doc
    assert "**Bill to:** Acme Oy  \nTeollisuuskatu 1  \n00510 Helsinki  \n" in doc
    assert "| 1 | Silma.io Pro | 12 month | €270.00 | 10% | 25.5% | per month | €2,916.00 |" \
        in doc
    assert "| 3 | Integration work | 40 h | €120.00 |  | 25.5% | one-time | €4,800.00 |" in doc
    assert "Payment terms | 14 days net |" in doc
    # 4 + IBAN digits + 010938 58 + 000 + the reference padded to 20 + the due date
    assert "`437159030000007760109385800000000000000202600017261114`" in doc
    [ref] = deal_invoices(billing)
    assert ref == {"number": "20260001", "date": dt.date(2026, 10, 31),
                   "due": dt.date(2026, 11, 14), "period": "2026-10", "total": 8716.0,
                   "vat": 2222.58, "currency": "EUR", "reference": "202600017",
                   "file": "invoices/2026/20260001.md",
                   "sha256": hashlib.sha256(doc.encode()).hexdigest()}
    assert billing.run("check").exit_code == 0


def test_monthly_twice_one_time_once_quarterly_every_third_month(billing: Repo):
    assert billing.run("invoice", "acme-erp", "--date", "2026-10-31").exit_code == 0
    r = billing.run("invoice", "acme-erp", "--date", "2026-11-30")
    assert r.exit_code == 0, r.output
    doc = (billing.root / "invoices/2026/20260002.md").read_text()
    assert "Silma.io Pro" in doc and "Support" not in doc and "Integration" not in doc
    assert "| Total excluding VAT | €2,916.00 |" in doc
    r = billing.run("invoice", "acme-erp", "--period", "2027-01", "--date", "2027-01-02")
    assert r.exit_code == 0, r.output
    # a new year starts the sequence again
    doc = (billing.root / "invoices/2027/20270001.md").read_text()
    assert "Support" in doc and "Integration" not in doc
    # support's two cycles are used up: April bills the licence alone
    billing.run("invoice", "acme-erp", "--period", "2027-04", "--date", "2027-04-01")
    assert "Support" not in (billing.root / "invoices/2027/20270002.md").read_text()
    assert [i["period"] for i in deal_invoices(billing)] == [
        "2026-10", "2026-11", "2027-01", "2027-04"]


def test_numbers_are_gap_free_across_deals(billing: Repo):
    billing.run("invoice", "acme-erp", "--date", "2026-10-31")
    r = billing.run("invoice", "beta-crm", "--date", "2026-10-31")
    assert r.stdout.startswith("Invoice 20260002 for beta-crm:")
    billing.run("invoice", "acme-erp", "--date", "2026-11-30")
    assert [i["number"] for i in deal_invoices(billing)] == ["20260001", "20260003"]


def test_dry_run_prints_and_changes_nothing(billing: Repo):
    before = billing.state()
    r = billing.run("invoice", "acme-erp", "--dry-run", "--format", "html",
                    "--date", "2026-10-31")
    assert r.exit_code == 0, r.output
    assert "<h1>Invoice 20260001</h1>" in r.stdout and "@page { size: A4;" in r.stdout
    assert "437159030000007760109385800000000000000202600017261114" in r.stdout
    assert billing.state() == before


def test_credit_note_reverses_an_invoice(billing: Repo):
    billing.run("invoice", "acme-erp", "--date", "2026-10-31")
    r = billing.run("invoice", "acme-erp", "--credit", "20260001", "--date", "2026-11-02")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Credit note 20260002 of invoice 20260001 for acme-erp: "
                               "invoices/2026/20260002.md (-€10,938.58 incl. VAT) [")
    doc = (billing.root / "invoices/2026/20260002.md").read_text()
    assert "# Credit note 20260002\n" in doc and "reverses invoice 20260001" in doc
    assert "| **Total to be credited** | **-€10,938.58** |" in doc
    assert "barcode" not in doc  # nothing to pay: no due date, no terms
    assert "| Date | Nov 2, 2026 |\n| Reference number |" in doc and "Due date" not in doc
    assert "days net" not in doc
    credit = deal_invoices(billing)[1]
    assert (credit["total"], credit["vat"], credit["credit_of"]) == (-8716.0, -2222.58,
                                                                     "20260001")
    # the period is free again, the one-time items with it
    r = billing.run("invoice", "acme-erp", "--period", "2026-10", "--date", "2026-11-02")
    assert r.exit_code == 0, r.output
    assert "Integration work" in (billing.root / "invoices/2026/20260003.md").read_text()
    assert billing.run("check").exit_code == 0
    shown = billing.run("deal", "show", "acme-erp").stdout
    assert "\nInvoices\n" in shown and "-€8,716.00" in shown and "-€2,222.58" in shown


def test_one_time_items_go_on_the_next_invoice_once_theirs_is_credited(billing: Repo):
    # November is billed before October's invoice is credited: October billed again
    # carries the one-time work (no later invoice ever would), and only it
    for args in (("--date", "2026-10-31"), ("--date", "2026-11-30"),
                 ("--credit", "20260001", "--date", "2026-11-30"),
                 ("--period", "2026-10", "--date", "2026-11-30"),
                 ("--period", "2026-12", "--date", "2026-12-01")):
        r = billing.run("invoice", "acme-erp", *args)
        assert r.exit_code == 0, (args, r.output)
    docs = [(billing.root / f"invoices/2026/2026000{n}.md").read_text() for n in (4, 5)]
    assert "Integration work" in docs[0] and "Integration work" not in docs[1]


def test_a_deal_won_again_goes_on_with_its_billing_schedule(billing: Repo, monkeypatch):
    clock(monkeypatch, 2027, 2, 11)  # the reopening and the win below have happened
    # billed October and November, reopened, won again in February: support's two
    # quarterly cycles were October and January, the licence's twelve months run from
    # October; nothing billed twice, nothing billed again from February on
    for args in (("--date", "2026-10-31"), ("--date", "2026-11-30")):
        assert billing.run("invoice", "acme-erp", *args).exit_code == 0
    billing.edit(DEAL_FILE, "won_date: 2026-10-15", "won_date: 2026-10-15\nclose_date: "
                 "2026-10-15")  # an open deal needs one
    billing.commit("close date")
    for args in (("deal", "reopen", "acme-erp", "--reason", "Fix the stage", "--date",
                  "2027-02-10"), ("deal", "win", "acme-erp", "--date", "2027-02-10")):
        r = billing.run(*args)
        assert r.exit_code == 0, r.output
    r = billing.run("invoice", "acme-erp", "--period", "2027-02", "--date", "2027-02-10",
                    "--dry-run")
    assert r.exit_code == 0, r.output
    assert "Silma.io Pro" in r.stdout and "Support" not in r.stdout
    assert "Integration" not in r.stdout
    refused(billing, ["invoice", "acme-erp", "--period", "2027-10", "--date", "2027-02-10"],
            1, "acme-erp has nothing to bill for 2027-10: no item is due then (choose "
            "another --period)")
    # an invoice of the old schedule is still credited line by line
    r = billing.run("invoice", "acme-erp", "--credit", "20260002", "--date", "2027-02-10",
                    "--dry-run")
    assert r.exit_code == 0 and "Silma.io Pro" in r.stdout, r.output


def test_a_change_order_sets_the_won_value_and_its_new_one_time_work_is_said(
        billing: Repo):
    # invoiced in October; in November the customer accepts a quote with one more
    # one-time item: the deal's value is the new contract's, and the next invoice says
    # the new one-time work is not billed (one-time items are billed once)
    assert billing.run("invoice", "acme-erp", "--date", "2026-10-31").exit_code == 0
    for args in (("deal", "item", "add", "acme-erp", "--name", "Training", "--quantity", "1",
                  "--unit-price", "500", "--tax-rate", "25.5"),
                 ("quote", "acme-erp", "--date", "2026-11-02"),
                 ("quote", "accept", "acme-erp", "--date", "2026-11-03")):
        r = billing.run(*args)
        assert r.exit_code == 0, (args, r.output)
    # the quote's total, as `deal win` takes it: 12 x 2,916 + 2 x 1,000 + 4,800 + 500
    assert "\nvalue: 42292.00\n" in (billing.root / DEAL_FILE).read_text()
    assert billing.git("log", "-1", "--format=%s").strip().endswith("; value 42292.00")
    r = billing.run("invoice", "acme-erp", "--date", "2026-11-30")
    assert r.exit_code == 0, r.output
    assert "note: acme-erp's quote was accepted after invoice 20260001 billed its one-time " \
        "items" in r.stderr
    assert "Training" not in (billing.root / "invoices/2026/20260002.md").read_text()


def test_a_pdf_invoice_is_recorded_and_checked_like_the_others(billing: Repo):
    r = billing.run("invoice", "acme-erp", "--date", "2026-10-31", "--format", "pdf",
                    "--lang", "fi")
    assert r.exit_code == 0, r.output
    pdf = billing.root / "invoices/2026/20260001.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert billing.run("check").exit_code == 0  # its sha256 is of the PDF's bytes
    pdf.write_bytes(pdf.read_bytes() + b"%")
    r = billing.run("check")
    assert r.exit_code == 1 and "invoice-edited" in r.stdout + r.stderr


def test_credit_of_changed_items_credits_the_recorded_amounts(billing: Repo):
    billing.run("invoice", "acme-erp", "--date", "2026-10-31")
    billing.edit(DEAL_FILE, "quantity: 12, discount: 10", "quantity: 20")
    billing.commit("more licences")
    r = billing.run("invoice", "acme-erp", "--credit", "20260001", "--date", "2026-11-02")
    assert r.exit_code == 0, r.output
    doc = (billing.root / "invoices/2026/20260002.md").read_text()
    assert "| **Total to be credited** | **-€10,938.58** |" in doc
    # its lines, as the invoice's commit priced them, with VAT per rate
    assert "| -12 month |" in doc and "| -40 h |" in doc, doc
    assert "total: -8716.00, vat: -2222.58," in (billing.root / DEAL_FILE).read_text()


def test_check_flags_an_edited_or_missing_invoice(billing: Repo):
    billing.run("invoice", "acme-erp", "--date", "2026-10-31")
    assert billing.run("check").exit_code == 0  # and caches its answer
    doc = billing.root / "invoices/2026/20260001.md"
    text = doc.read_text()
    doc.write_text(replaced(text, "€10,938.58", "€1,938.58"))
    r = billing.run("check")
    assert r.exit_code == 1
    assert "invoices/2026/20260001.md:1:1: error: invoice 20260001 was changed after it " \
        "was issued" in r.output
    assert "issue a credit note and a new invoice (`salescli invoice acme-erp --credit " \
        "20260001`) [invoice-edited]" in r.output
    doc.unlink()
    r = billing.run("check")
    assert r.exit_code == 1 and "invoice 20260001 recorded in " \
        f"{DEAL_FILE} is missing" in r.output
    doc.write_text(text)
    assert billing.run("check").exit_code == 0


@pytest.mark.parametrize("cache", [(), ("--no-cache",)], ids=["cached", "listed-whole"])
def test_the_commit_hook_refuses_an_edited_or_deleted_invoice(billing: Repo, cache: tuple):
    billing.run("invoice", "acme-erp", "--date", "2026-10-31")
    assert billing.run("check", "--staged", *cache).exit_code == 0
    rel = "invoices/2026/20260001.md"
    doc = billing.root / rel
    text = doc.read_text()
    doc.write_text(replaced(text, "€10,938.58", "€1,938.58"))
    billing.git("add", rel)
    r = billing.run("check", "--staged", *cache)
    assert r.exit_code == 1
    assert f"{rel}:1:1: error: this commit changes an issued invoice" in r.output
    assert "[invoice-edited]" in r.output
    billing.git("rm", "-q", "--cached", rel)
    r = billing.run("check", "--staged", *cache)
    assert r.exit_code == 1 and "this commit deletes an issued invoice" in r.output
    billing.git("reset", "-q", "HEAD", "--", rel)
    doc.write_text(text)
    assert billing.run("check", "--staged", *cache).exit_code == 0
    # a new invoice (here a credit note) is no edit
    billing.run("invoice", "acme-erp", "--credit", "20260001", "--date", "2026-11-02",
                "--no-commit")
    billing.git("add", "-A")
    assert billing.run("check", "--staged", *cache).exit_code == 0


# ------------------------------------------------------------------------ refusals


@pytest.mark.parametrize(("rel", "old", "new", "message"), [
    pytest.param(DEAL_FILE, "status: won\nwon_date: 2026-10-15\n", "close_date: 2026-12-31\n",
                 "cannot invoice acme-erp: it is open, not won; win it first with "
                 "`salescli deal win acme-erp`", id="an_open_deal"),
    pytest.param(DEAL_FILE, "won_date: 2026-10-15\n", "won_date: 2026-10-15\ncurrency: SEK\n",
                 "acme-erp is in SEK but products.yaml prices are in EUR; give the items a "
                 "unit_price in SEK", id="list_prices_in_another_currency"),
    pytest.param("accounts/2026-10/acme-oy.yaml",
                 'billing_address: {street: Teollisuuskatu 1, postcode: "00510", '
                 'city: Helsinki}\n', "",
                 "an invoice needs the buyer's address: `salescli account set acme-oy "
                 "billing_address.street=... billing_address.postcode=... "
                 "billing_address.city=...`", id="a_buyer_without_address"),
])
def test_refuses(billing: Repo, rel: str, old: str, new: str, message: str):
    """With `old` in the file `rel` made `new` and committed, `invoice acme-erp` is
    refused: exit 1, `message`, nothing written."""
    billing.edit(rel, old, new)
    billing.commit()
    refused(billing, ["invoice", "acme-erp"], 1, message)


def test_refuses_a_period_twice_and_a_period_with_nothing_due(billing: Repo):
    billing.run("invoice", "acme-erp", "--date", "2026-10-31")
    refused(billing, ["invoice", "acme-erp", "--period", "2026-10", "--date", "2026-11-01"],
            1, "acme-erp is invoiced for 2026-10 already: invoice 20260001 (credit it with "
            "`salescli invoice acme-erp --credit 20260001` to bill it again)")
    refused(billing, ["invoice", "beta-crm", "--period", "2026-09"], 1,
            "beta-crm was won in 2026-10: bill a period from then on (--period 2026-10 or "
            "later)")
    billing.run("invoice", "beta-crm", "--date", "2026-10-31")
    refused(billing, ["invoice", "beta-crm", "--period", "2026-11"], 1,
            "beta-crm has nothing to bill for 2026-11: no item is due then (choose another "
            "--period)")


def test_refuses_bad_credits(billing: Repo):
    refused(billing, ["invoice", "acme-erp", "--credit", "20269999"], 1,
            "acme-erp has no invoice 20269999 to credit (its invoices: none)")
    billing.run("invoice", "acme-erp", "--date", "2026-10-31")
    billing.run("invoice", "acme-erp", "--credit", "20260001", "--date", "2026-11-01")
    refused(billing, ["invoice", "acme-erp", "--credit", "20260001"], 1,
            "invoice 20260001 is credited already by credit note 20260002")
    refused(billing, ["invoice", "acme-erp", "--credit", "20260002"], 1,
            "20260002 is a credit note (of invoice 20260001); credit an invoice")
    refused(billing, ["invoice", "acme-erp", "--credit", "20260001", "--period", "2026-10"],
            2, "--credit reverses a whole invoice, its period included; leave out --period")


@pytest.mark.parametrize(("key", "what"), [("name", "name"), ("business_id", "business ID"),
                                           ("iban", "IBAN")])
def test_refuses_missing_seller_details(billing: Repo, key: str, what: str):
    settings = billing.root / "salescli.yaml"
    lines = [line for line in settings.read_text().splitlines(keepends=True)
             if not line.startswith(f"  {key}:")]
    settings.write_text("".join(lines))
    billing.commit()
    refused(billing, ["invoice", "acme-erp"], 1,
            f"an invoice needs the seller's {what}: set company.{key} in salescli.yaml")


def test_refuses_a_bad_period(billing: Repo):
    r = refused(billing, ["invoice", "acme-erp", "--period", "2026-13"], 2,
                "--period '2026-13' is not a month YYYY-MM, e.g. 2026-11")
    assert r.exit_code == 2


def test_the_html_invoice_prints_on_one_a4_page_in_chromium(billing: Repo, chromium, tmp_path):
    import base64

    from test_documents_print import pdf_pages

    r = billing.run("invoice", "acme-erp", "--format", "html", "--dry-run",
                    "--date", "2026-10-31")
    assert r.exit_code == 0, r.stderr
    html = tmp_path / "invoice.html"
    html.write_text(r.stdout, encoding="utf-8")
    page = chromium.open_page()
    chromium.navigate(page, html.as_uri())
    pdf = base64.b64decode(chromium.send(
        "Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}, page)["data"])
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == 1


def test_a_credit_after_a_price_change_credits_the_recorded_amounts(billing: Repo):
    billing.run("invoice", "acme-erp", "--date", "2026-10-31")
    billing.edit("products.yaml", "unit_price: 1000.00", "unit_price: 1200.00")
    billing.commit("support costs more")
    r = billing.run("invoice", "acme-erp", "--credit", "20260001", "--date", "2026-11-02")
    assert r.exit_code == 0, r.output
    doc = (billing.root / "invoices/2026/20260002.md").read_text()
    assert "| **Total to be credited** | **-€10,938.58** |" in doc
    assert "| 2 | Support | -1 | €1,000.00 |" in doc  # at the price it was invoiced at
    assert "| VAT 25.5% of -€8,716.00 | -€2,222.58 |" in doc


def test_an_invoice_is_dated_after_the_win_and_the_years_last_invoice(billing: Repo):
    # acme-erp was won on 2026-10-15; invoice numbers follow their dates across deals
    refused(billing, ["invoice", "acme-erp", "--period", "2026-10", "--date", "2026-10-14"],
            1, "cannot date an invoice of acme-erp 2026-10-14: it was won on 2026-10-15; "
            "date it then or later (--date)")
    assert billing.run("invoice", "beta-crm", "--date", "2026-10-31").exit_code == 0
    refused(billing, ["invoice", "acme-erp", "--period", "2026-10", "--date", "2026-10-30"],
            1, "cannot date an invoice 2026-10-30: invoices are numbered in date order and "
            "the last one this year is dated 2026-10-31; date it then or later (--date)")
    r = billing.run("invoice", "acme-erp", "--period", "2026-10", "--date", "2026-10-31")
    assert r.exit_code == 0 and "Invoice 20260002 " in r.stdout, r.output
