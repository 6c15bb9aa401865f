"""`salescli quote` end to end: one commit with the document and the deal's record."""

from __future__ import annotations

import pytest
from conftest import Repo
from conftest import customer
from conftest import deals_to_quote
from conftest import seller

DEAL_FILE = "deals/2026-10/acme-erp.yaml"
NBSP = "\xa0"


@pytest.fixture
def quoting(repo: Repo) -> Repo:
    return quoting_repo(repo)


def quoting_repo(repo: Repo) -> Repo:
    """A repository with a seller, a price list and two deals to quote."""
    seller(repo, ("locale: en_US", "locale: fi_FI"))
    customer(repo, """
        business_id: 1234567-8
        language: en   # its documents in English, the numbers as English in Finland (en_FI)
        """)
    deals_to_quote(repo)
    # acme-erp as written by hand: a comment to keep, a title to escape, a product first
    # and empty notes; beta-crm's discount is over the approval threshold
    repo.edit(DEAL_FILE, "id: acme-erp\ntitle: ERP\n",
              "# Acme's ERP deal: keep this comment\n"
              "id: acme-erp\ntitle: Order-processing <script>alert(1)</script>\n")
    repo.edit(DEAL_FILE, "items:\n", "items:\n"
              "  - {product: silma-pro, quantity: 12, discount: 10}   # the pilot's price\n")
    repo.edit(DEAL_FILE, "tax_rate: 25.5}\n", 'tax_rate: 25.5}\nnotes: ""\n')
    repo.edit("deals/2026-10/beta-crm.yaml", "tax_rate: 24}", "tax_rate: 24, discount: 20}")
    repo.commit()
    return repo


def unchanged(repo: Repo, args: list[str], code: int = 0):
    """Run a command that must write and commit nothing; return its result."""
    before, files = repo.head(), repo.snapshot()
    r = repo.run(*args)
    assert r.exit_code == code, r.output
    assert (repo.head(), repo.snapshot(), repo.status()) == (before, files, "")
    return r


def test_dry_run_prints_the_quote_and_commits_nothing(quoting: Repo):
    r = unchanged(quoting, ["quote", "acme-erp", "--dry-run", "--date", "2026-11-20"])
    out = r.stdout
    assert out.startswith("# Quote Q-2026-0001\n")
    assert "| Date | 20 Nov 2026 |" in out and "| Valid until | 20 Dec 2026 |" in out
    assert f"| 1 | Silma.io Pro | 12 month | 270,00{NBSP}€ | 10{NBSP}% | 25,5{NBSP}% | " \
        f"per month × 12 | 2{NBSP}916,00{NBSP}€ | 34{NBSP}992,00{NBSP}€ |" in out
    assert f"| One-time | 4{NBSP}800,00{NBSP}€ |" in out
    assert f"| Recurring per month | 2{NBSP}916,00{NBSP}€ / month |" in out
    assert f"| Total excluding VAT | 39{NBSP}792,00{NBSP}€ |" in out
    assert f"| VAT 25,5{NBSP}% of 39{NBSP}792,00{NBSP}€ | 10{NBSP}146,96{NBSP}€ |" in out
    assert f"| **Total including VAT** | **49{NBSP}938,96{NBSP}€** |" in out
    assert "| Seller | Customer (billing address) |\n|---|---|\n| Hubble Oy | Acme Oy |\n" in out
    assert "|  | Business ID 1234567-8 |\n|  | Contact: Matti Virtanen, CFO |\n" in out
    assert "- Payment terms: 14 days net from the invoice date.\n" in out
    assert "| Name in block letters | ______________________________ |" in out
    assert "DRAFT" not in out


def test_a_quote_is_written_recorded_and_committed_in_one_commit(quoting: Repo):
    preview = unchanged(quoting, ["quote", "acme-erp", "--dry-run", "--date", "2026-11-20"])
    r = quoting.run("quote", "acme-erp", "--date", "2026-11-20")
    assert r.exit_code == 0, r.output
    sha = quoting.head()[:7]
    assert r.stdout == (f"Quote Q-2026-0001 v1 for acme-erp: quotes/acme-erp/Q-2026-0001-v1.md "
                        f"(49{NBSP}938,96{NBSP}€ incl. VAT) [{sha}]\n")
    assert quoting.git("show", "--name-only", "--format=%s%n%b%n%aI", "HEAD").split("\n") == [
        "deal(acme-erp): quote Q-2026-0001 v1", "Salescli-Event: quote", "",
        "2026-11-20T12:00:00+00:00", "", DEAL_FILE, "quotes/acme-erp/Q-2026-0001-v1.md", ""]
    assert quoting.status() == ""
    # the committed document is what --dry-run showed
    assert (quoting.root / "quotes/acme-erp/Q-2026-0001-v1.md").read_text() == preview.stdout
    # round trip: only the quotes list is added, the comments stay
    text = (quoting.root / DEAL_FILE).read_text()
    assert text.startswith("# Acme's ERP deal: keep this comment\n")
    assert "  - {product: silma-pro, quantity: 12, discount: 10}   # the pilot's price\n" in text
    diff = quoting.git("diff", "-U0", "HEAD~1", "--", DEAL_FILE).splitlines()
    assert [ln for ln in diff if ln[:1] in "+-" and ln[:3] not in ("+++", "---")] == [
        "+quotes:", "+  - {number: Q-2026-0001, version: 1, date: 2026-11-20, total: 39792.00, "
        "currency: EUR, file: quotes/acme-erp/Q-2026-0001-v1.md, status: sent}"]
    assert ("quotes:\n  - {number: Q-2026-0001, version: 1, date: 2026-11-20, total: 39792.00, "
            "currency: EUR, file: quotes/acme-erp/Q-2026-0001-v1.md, status: sent}\nnotes:") in text
    assert "acme-erp" not in quoting.run("check").output  # (beta-crm awaits its approval)


def test_versions_of_a_deal_and_numbers_across_deals_and_years(quoting: Repo):
    quoting.run("deal", "set", "beta-crm", "approved_by=ville")
    runs = [("acme-erp", "2026-11-20", "md"), ("acme-erp", "2026-11-25", "html"),
            ("beta-crm", "2026-12-01", "md"), ("beta-crm", "2027-01-03", "md")]
    for deal_id, day, fmt in runs:
        r = quoting.run("quote", deal_id, "--date", day, "--format", fmt)
        assert r.exit_code == 0, r.output
    assert sorted(p.relative_to(quoting.root).as_posix()
                  for p in (quoting.root / "quotes").rglob("*-v*")) == [
        # the same acme quote as HTML is v1 again; beta's, re-issued once expired, is v2
        "quotes/acme-erp/Q-2026-0001-v1.html", "quotes/acme-erp/Q-2026-0001-v1.md",
        "quotes/beta-crm/Q-2026-0002-v1.md", "quotes/beta-crm/Q-2026-0002-v2.md"]
    quoting.repo._cache.clear()
    beta = quoting.repo.load("deal", "beta-crm")
    assert [(q.number, q.version, str(q.date), q.total) for q in beta.quotes] == [
        ("Q-2026-0002", 1, "2026-12-01", 800), ("Q-2026-0002", 2, "2027-01-03", 800)]
    assert "total: 800.00," in (quoting.root / "deals/2026-10/beta-crm.yaml").read_text()
    # a new deal quoted in 2027 starts the year's sequence
    quoting.write("deals/2026-10/gamma.yaml", """
        id: gamma
        title: Gamma
        account: acme-oy
        stage: needs-analysis
        close_date: 2027-03-01
        created: 2026-10-03
        items:
          - {name: Thing, unit_price: 10.00, tax_rate: 0}
        """)
    quoting.commit()
    r = quoting.run("quote", "gamma", "--date", "2027-01-04")
    assert "Q-2027-0001 v1" in r.stdout, r.output
    html = (quoting.root / "quotes/acme-erp/Q-2026-0001-v1.html").read_text()
    assert "@page { size: A4;" in html and "<h1>Quote Q-2026-0001" in html
    assert "(version 2)" not in html  # a format is no new version


def test_an_unapproved_discount_is_refused_and_nothing_is_written(quoting: Repo):
    r = unchanged(quoting, ["quote", "beta-crm"], code=1)
    assert r.stderr == (
        "Error: cannot quote beta-crm: the 20% discount is over the 15% approval threshold "
        "and not approved (item 1); an approver runs `salescli deal approve beta-crm`, or "
        "render a --draft\n")
    unchanged(quoting, ["quote", "beta-crm", "--dry-run"], code=1)


def test_a_draft_renders_marked_and_records_nothing(quoting: Repo):
    # dated: the number carries the year
    r = unchanged(quoting, ["quote", "beta-crm", "--draft", "--date", "2026-11-02"])
    assert r.stdout.startswith(
        f"> **DRAFT — not a valid offer.** The discount on item 1 is over the 15{NBSP}% approval "
        "threshold and awaits approval.\n\n# Quote Q-2026-0001\n")
    html = unchanged(quoting, ["quote", "beta-crm", "--draft", "--format", "html"]).stdout
    assert '<div class="watermark">DRAFT</div>' in html
    assert "DRAFT — not a valid offer." in html


def test_html_escapes_record_text(quoting: Repo):
    html = unchanged(quoting, ["quote", "acme-erp", "--dry-run", "--format", "html"]).stdout
    assert "<script>" not in html
    assert "Order-processing &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_failed_commit_restores_the_deal_and_removes_the_document(quoting: Repo):
    hook = quoting.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'error: quotes frozen' >&2\nexit 1\n")
    hook.chmod(0o755)
    r = unchanged(quoting, ["quote", "acme-erp"], code=1)
    assert r.stderr == "Error: commit failed, nothing changed: error: quotes frozen\n"
    assert not (quoting.root / "quotes" / "acme-erp").exists() or not any(
        (quoting.root / "quotes" / "acme-erp").iterdir())


def test_no_commit_writes_both_files_unstaged(quoting: Repo):
    before = quoting.head()
    r = quoting.run("quote", "acme-erp", "--no-commit")
    assert r.exit_code == 0 and "(not committed)" in r.stdout
    assert quoting.head() == before
    assert sorted(quoting.status().splitlines()) == [f" M {DEAL_FILE}", "?? quotes/acme-erp/"]


def test_refusals(quoting: Repo):
    quoting.write("deals/2026-10/empty.yaml", """
        id: empty
        title: Empty
        account: acme-oy
        stage: needs-analysis
        close_date: 2027-03-01
        created: 2026-10-03
        """)
    quoting.commit()
    r = unchanged(quoting, ["quote", "empty"], code=1)
    assert r.stderr == ("Error: empty has no items to quote; add them with "
                        "`salescli deal item add empty PRODUCT`\n")
    r = unchanged(quoting, ["quote", "nope"], code=1)
    assert r.stderr.startswith("Error: no deal 'nope' in deals/")
    r = unchanged(quoting, ["quote", "../x"], code=2)
    assert "invalid" in r.stderr and r.stderr.count("\n") == 1
    r = unchanged(quoting, ["quote", "acme-erp", "--format", "docx"], code=2)


def test_the_repositorys_template_overrides_the_shipped_one(quoting: Repo):
    quoting.write("templates/quote.md.j2", "Tarjous {{ quote.number }}: "
                  "{{ quote.totals.gross|money }} ({{ quote.date|date }})\n")
    quoting.commit()
    r = unchanged(quoting, ["quote", "acme-erp", "--dry-run", "--date", "2026-11-20",
                            "--lang", "fi"])
    assert r.stdout == f"Tarjous Q-2026-0001: 49{NBSP}938,96{NBSP}€ (20.11.2026)\n"


def test_a_hostile_template_is_refused_before_anything_is_written(quoting: Repo):
    quoting.write("templates/quote.md.j2",
                  "Quote\n{{ cycler.__init__.__globals__.os.system('touch pwned') }}\n")
    quoting.commit()
    r = unchanged(quoting, ["quote", "acme-erp"], code=1)
    assert r.stderr == ("Error: templates/quote.md.j2:2: refused by the template sandbox: "
                        "access to attribute '__init__' of 'type' object is unsafe.\n")
    assert not (quoting.root / "pwned").exists()


# ---------------------------------------------------------- the deal as the quote prices it


def test_deal_show_prices_items_as_the_quote_does(quoting: Repo) -> None:
    """A monthly product whose item names no billing shows monthly, at its tier price
    (12 users: the 10+ tier), with the total over its cycles; a custom item shows its
    own price as money, not `120.0`. The quote prints the same figures."""
    csv = quoting.run("deal", "show", "acme-erp", "--format", "csv").output
    assert "1,silma-pro,12,270.00,10,monthly,12,34992.00\n" in csv
    assert "2,Integration work,40,120.00,0,one-time,1,4800.00\n" in csv
    table = quoting.run("deal", "show", "acme-erp").output.replace(NBSP, " ")
    assert "270,00 €      10 %        monthly    12        34 992,00 €" in table
    quote = quoting.run("quote", "acme-erp", "--dry-run").output.replace(NBSP, " ")
    assert "| 270,00 € | 10 % | 25,5 % | per month × 12 | 2 916,00 € | 34 992,00 € |" in quote


def test_quote_needs_the_sellers_name(quoting: Repo) -> None:
    from conftest import refused

    quoting.edit("salescli.yaml", "name: Hubble Oy", "name: null")
    quoting.commit()
    refused(quoting, ["quote", "acme-erp"], 1,
            "a quote needs the seller's name: set company.name in salescli.yaml "
            "(or render a --draft)")
    assert quoting.run("quote", "acme-erp", "--draft").exit_code == 0


def test_quote_prints_the_buyers_address(quoting: Repo) -> None:
    quoting.edit("accounts/2026-10/acme-oy.yaml", "business_id:",
                 "address: Mannerheimintie 1, 00100 Helsinki\nbusiness_id:")
    quoting.commit()
    assert "Mannerheimintie 1, 00100 Helsinki" in quoting.run(
        "quote", "acme-erp", "--dry-run").output


def test_html_quote_footer_keeps_its_sentences_apart(quoting: Repo) -> None:
    html = quoting.run("quote", "acme-erp", "--dry-run", "--format", "html").output
    assert "rates shown.Recurring" not in html
    assert "<li>Prices exclude VAT; VAT is added at the rates shown.</li>" in html
    assert "<li>Recurring items" in html


def test_another_format_of_the_same_quote_is_no_new_version(quoting: Repo) -> None:
    assert quoting.run("quote", "acme-erp", "--date", "2026-11-02").exit_code == 0
    # a week later, the same content as HTML: the same number, version and date, as
    # --dry-run shows it first
    r = quoting.run("quote", "acme-erp", "--format", "html", "--date", "2026-11-09",
                    "--dry-run")
    assert "Q-2026-0001 v1" in r.output and "v2" not in r.output
    r = quoting.run("quote", "acme-erp", "--format", "html", "--date", "2026-11-09")
    assert r.exit_code == 0, r.output
    assert "Q-2026-0001 v1" in r.output
    html = (quoting.root / "quotes/acme-erp/Q-2026-0001-v1.html").read_text()
    assert "2 Nov 2026" in html and "9 Nov 2026" not in html
    from conftest import refused

    # dated within the quote's validity, so the test does not depend on today's date
    refused(quoting, ["quote", "acme-erp", "--format", "html", "--date", "2026-11-10"], 1,
            "quote Q-2026-0001 v1 is unchanged and already written: "
            "quotes/acme-erp/Q-2026-0001-v1.html (a change to the deal's items or terms "
            "makes a new version)")
    assert quoting.run("deal", "item", "add", "acme-erp", "books").exit_code == 0
    r = quoting.run("quote", "acme-erp", "--format", "html", "--date", "2026-11-10")
    assert "Q-2026-0001 v2" in r.output, r.output


def test_the_same_quote_in_another_language_is_written_beside_it(quoting: Repo) -> None:
    from conftest import refused

    assert quoting.run("quote", "acme-erp", "--format", "html", "--date", "2026-11-02") \
        .exit_code == 0
    r = quoting.run("quote", "acme-erp", "--format", "html", "--lang", "sv",
                    "--date", "2026-11-03")
    assert r.exit_code == 0, r.output
    assert "Q-2026-0001 v1" in r.output and "Q-2026-0001-v1.sv.html" in r.output, r.output
    sv = (quoting.root / "quotes/acme-erp/Q-2026-0001-v1.sv.html").read_text()
    assert 'lang="sv"' in sv and (quoting.root / "quotes/acme-erp/Q-2026-0001-v1.html").exists()
    refused(quoting, ["quote", "acme-erp", "--format", "html", "--lang", "sv", "--date",
                      "2026-11-04"], 1,
            "quote Q-2026-0001 v1 is unchanged and already written: "
            "quotes/acme-erp/Q-2026-0001-v1.sv.html (a change to the deal's items or terms "
            "makes a new version)")
    # the Swedish file's number is the quote's (what a deleted deal's documents keep used)
    from salescli.services.documents import filed_numbers

    assert filed_numbers(quoting.root / "quotes") == ["Q-2026-0001"] * 2

def test_prices_with_vat_head_their_column_amount_not_net(quoting: Repo) -> None:
    md = quoting.run("quote", "acme-erp", "--dry-run").stdout
    assert "| Billing | Net | Total |" in md
    quoting.edit("salescli.yaml", "currency: EUR", "currency: EUR\nprices_include_tax: true")
    quoting.commit()
    md = quoting.run("quote", "acme-erp", "--dry-run").stdout
    html = quoting.run("quote", "acme-erp", "--dry-run", "--format", "html").stdout
    assert "| Billing | Amount | Total |" in md and ">Amount</th>" in html
    assert "Net" not in md.split("## ")[1] and ">Net<" not in html
