"""`salescli render TEMPLATE TARGET`: any template for a deal, lead or account."""

from __future__ import annotations

import pytest
from conftest import Repo
from conftest import replaced

NBSP = "\xa0"


@pytest.fixture
def won(filled: Repo) -> Repo:
    filled.edit("salescli.yaml", "company:\n  name: null", "company:\n  name: Hubble Oy")
    deal = filled.root / "deals/2026-10/acme-erp.yaml"
    text = replaced(deal.read_text(), "status: open", "status: won")
    text = replaced(text, "stage: needs-analysis", "stage: contracting")
    text = replaced(text, "title: Order-processing automation",
                    "title: Order-processing <script>x</script>")
    deal.write_text(
        text + "won_date: 2026-11-30\n"
        "items:\n  - {name: Integration work, quantity: 40, unit: h, unit_price: 120.00, "
        "tax_rate: 25.5}\n  - {name: Licence, quantity: 1, unit_price: 1000.00, tax_rate: 0, "
        "billing: annually, cycles: 2}\n"
        "quotes:\n  - {number: Q-2026-0004, version: 3, date: 2026-11-20, total: 6800.00, "
        "currency: EUR, file: quotes/acme-erp/Q-2026-0004-v3.md}\n")
    filled.write("leads/2026-11/beta-ltd.yaml", """
        id: beta-ltd
        company: Beta Ltd
        contact: {name: Sara Beta}
        created: 2026-11-01
        """)
    filled.commit()
    return filled


def rendered(repo: Repo, *args: str, code: int = 0):
    before, files = repo.head(), repo.snapshot()
    r = repo.run("render", *args)
    assert r.exit_code == code, r.output
    assert (repo.head(), repo.snapshot(), repo.status()) == (before, files, "")
    return r


def test_order_confirmation_of_a_won_deal(won: Repo):
    out = rendered(won, "order-confirmation", "acme-erp", "--date", "2026-12-01").stdout
    assert out.startswith("# Order confirmation: Order-processing \\<script>x\\</script>\n")
    for line in [
        "| Order | acme-erp |", "| Date | Dec 1, 2026 |",
        "| Based on quote | Q-2026-0004 v3 of Nov 20, 2026 |", "| Order date | Nov 30, 2026 |",
        "**Supplier:** Hubble Oy", "**Customer:** Acme Oy, Business ID 1234567-8",
        "**Customer contact:** Matti Virtanen, matti.virtanen@acme.fi, +358 40 123 4567",
        "| 1 | Integration work | 40 h | €120.00 |  | one-time | €4,800.00 | €4,800.00 |",
        "| 2 | Licence | 1 | €1,000.00 |  | per year × 2 | €1,000.00 | €2,000.00 |",
        "| One-time | €4,800.00 |", "| Recurring per year | €1,000.00 / year |",
        "| Total excluding VAT | €6,800.00 |", "| VAT 25.5% | €1,224.00 |", "| VAT 0% | €0.00 |",
        "| **Total including VAT** | **€8,024.00** |",
        "Payment terms: 14 days net from the invoice date.",
    ]:
        assert line + "\n" in out, line
    assert "Not yet an order" not in out
    # with an order recorded, its number (without one, the deal's ID stands in)
    won.edit("deals/2026-10/acme-erp.yaml", "quotes:\n", "orders:\n  - {number: O-2026-0007, "
             "date: 2026-11-30, quote: Q-2026-0004, version: 3, total: 6800.00, currency: "
             "EUR, file: orders/acme-erp/O-2026-0007.md}\nquotes:\n")
    won.commit()
    out = rendered(won, "order-confirmation", "acme-erp", "--date", "2026-12-01").stdout
    assert "| Order | O-2026-0007 |\n" in out


def test_an_open_deal_is_marked_not_yet_an_order(filled: Repo):
    out = rendered(filled, "order-confirmation.md.j2", "deal:acme-erp").stdout
    assert out.startswith("> **Not yet an order:** the deal is open.")
    assert "> The items could not be priced: acme-erp has no items to quote" in out
    # the quote templates cannot do without it: they say why there is none
    for template, where in (("quote", "quote.md.j2:10"), ("quote.html.j2", "quote.html.j2:6")):
        r = rendered(filled, template, "acme-erp", code=1)
        assert r.stderr == (f"Error: (shipped) {where}: undefined: no quote: acme-erp has no "
                            "items to quote; add them with `salescli deal item add acme-erp "
                            "PRODUCT`\n"), r.stderr


def test_any_template_for_an_account_or_a_lead(won: Repo, tmp_path):
    won.write("templates/letter.html.j2",
              "<p>{{ account.name }}: {% for d in deals %}{{ d.title }} ({{ d.status }})"
              "{% endfor %}</p>\n")
    won.write("templates/lead.md.j2", "{{ kind }} {{ lead.company }} / {{ record.id }}\n")
    won.commit()
    assert rendered(won, "letter", "acme-oy").stdout == (
        "<p>Acme Oy: Order-processing &lt;script&gt;x&lt;/script&gt; (won)</p>\n")
    assert rendered(won, "lead", "beta-ltd").stdout == "lead Beta Ltd / beta-ltd\n"
    out = tmp_path / "letter.html"
    r = rendered(won, "letter.html.j2", "account:acme-oy", "--out", str(out))
    assert r.stdout == f"Rendered letter.html.j2 for account acme-oy to {out}\n"
    assert out.read_text().startswith("<p>Acme Oy:")


def test_the_html_quote_template_escapes_a_script_in_the_title(won: Repo):
    out = rendered(won, "quote.html.j2", "acme-erp").stdout
    assert "<script>" not in out and "Order-processing &lt;script&gt;x&lt;/script&gt;" in out


@pytest.mark.parametrize("text,message", [
    ("ok\n{{ cycler.__init__.__globals__.os.system('touch pwned') }}",
     "templates/evil.md.j2:2: refused by the template sandbox: access to attribute '__init__' "
     "of 'type' object is unsafe."),
    ("{{ \"{0.__init__.__globals__}\"|attr('format')(cycler) }}",
     "templates/evil.md.j2:1: refused by the template sandbox: access to attribute '__init__' "
     "of 'type' object is unsafe."),
    ("{{ deal.title }}\n{{ deal.budget }}",
     "templates/evil.md.j2:2: undefined: no field `budget`"),
])
def test_hostile_or_broken_templates_are_one_line_errors(won: Repo, text: str, message: str):
    won.write("templates/evil.md.j2", text)
    won.commit()
    r = rendered(won, "evil", "acme-erp", code=1)
    assert r.stderr == f"Error: {message}\n"
    assert not (won.root / "pwned").exists()


def test_a_symlinked_template_is_refused(won: Repo, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    (won.root / "templates" / "leak.md.j2").symlink_to(secret)
    won.commit()
    r = rendered(won, "leak.md.j2", "acme-erp", code=1)
    assert r.stderr == ("Error: templates/leak.md.j2 is a symbolic link; salescli renders only "
                        "regular files in templates/ (copy the file instead)\n")
    assert "password" not in r.output


def test_refusals(won: Repo):
    r = rendered(won, "order-confirmation", "nope", code=1)  # not found (README, "Exit codes")
    assert r.stderr == ("Error: no deal, lead or account 'nope'; see `salescli deal list`, "
                        "`lead list` or `account list` for the IDs\n")
    r = rendered(won, "../../etc/passwd", "acme-erp", code=2)
    assert r.stderr.startswith("Error: invalid template name '../../etc/passwd'")
    r = rendered(won, "contract", "acme-erp", code=1)
    assert r.stderr.startswith("Error: no template 'contract.md.j2' in templates/ or the "
                               "shipped ones (")
    r = rendered(won, "order-confirmation", "acme-oy", code=1)
    assert r.stderr == ("Error: (shipped) order-confirmation.md.j2:9: undefined: "
                        "'deal' is undefined: order-confirmation.md.j2 is for a deal, and "
                        "acme-oy is an account; give it a deal (salescli render "
                        "order-confirmation DEAL)\n")


def test_a_template_that_needs_what_another_command_makes_names_it(won: Repo):
    # the shipped invoice and agenda need what `invoice` and `agenda` work out; the
    # quote template is a deal's (render drafts it from the deal's items)
    for template, target, said in (
            ("invoice", "acme-erp", "invoice.md.j2:9: undefined: 'invoice' is undefined: "
             "invoice.md.j2 needs an invoice, which `salescli invoice acme-erp` makes"),
            ("invoice", "acme-oy", "invoice.md.j2:9: undefined: 'invoice' is undefined: "
             "invoice.md.j2 needs an invoice, which `salescli invoice DEAL` makes"),
            ("agenda-valkea", "acme-erp", "agenda-valkea.md.j2:36: undefined: 'agenda' is "
             "undefined: agenda-valkea.md.j2 needs an agenda, which `salescli agenda "
             "acme-erp` makes"),
            ("quote", "acme-oy", "quote.md.j2:10: undefined: 'quote' is undefined: "
             "quote.md.j2 is for a deal, and acme-oy is an account; give it a deal "
             "(salescli render quote DEAL)")):
        r = rendered(won, template, target, code=1)
        assert r.stderr == f"Error: (shipped) {said}\n", r.stderr
