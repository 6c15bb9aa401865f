"""Documents in English, Finnish and Swedish (issue 17): the message catalogues, the
language a document is written in, and golden copies of every shipped document.

The golden files are tests/golden/DOCUMENT.LANG.EXT.golden: the expected bytes, whole (the
`.golden` ending, as Go's testdata uses it, marks them as data that a test writes, not
source). After an intended change to a template or a catalogue, regenerate them and read
the diff before committing:

    SALESCLI_UPDATE_GOLDEN=1 .venv/bin/pytest -p no:cacheprovider -q tests/test_documents_i18n.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import PRODUCTS
from conftest import Repo
from conftest import replaced

from salescli.services.documents import document_language
from salescli.services.documents import document_locale
from salescli.store.templates import LOCALE_DIR
from salescli.store.templates import TemplateLimit
from salescli.store.templates import render
from salescli.store.templates import translations

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).with_name("golden")
sys.path.insert(0, str(ROOT / "docs"))
from gen_messages import LANGUAGES  # noqa: E402
from gen_messages import extract  # noqa: E402
from gen_messages import po_path  # noqa: E402

UPDATE = os.environ.get("SALESCLI_UPDATE_GOLDEN") == "1"


def assert_golden(out: str, document: str, lang: str) -> None:
    """`out`, `document` (NAME.EXT) in `lang`, is golden/NAME.LANG.EXT.golden byte for byte.
    SALESCLI_UPDATE_GOLDEN=1 writes the golden from `out` first."""
    name, ext = document.rsplit(".", 1)
    golden = GOLDEN / f"{name}.{lang}.{ext}.golden"
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert golden.exists(), f"no {golden.name}: run with SALESCLI_UPDATE_GOLDEN=1"
    assert out == golden.read_text(encoding="utf-8"), \
        f"{document} in {lang} differs from {golden.name} (SALESCLI_UPDATE_GOLDEN=1 if intended)"


# ------------------------------------------------------------------ the catalogues


def catalogue(lang: str):
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang, domain="salescli")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang: str):
    cat = catalogue(lang)
    untranslated = [m.id for m in cat if m.id and (not m.string or m.fuzzy)]
    assert untranslated == [], f"{lang}: translate these in {po_path(lang)}"
    # the same %(name)s placeholders as the English message (Babel's own checkers)
    assert [(m.id, errors) for m, errors in cat.check()] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogues_are_up_to_date_with_the_templates(lang: str):
    extracted = {m.id for m in extract() if m.id}
    assert extracted, "no messages extracted: is jinja2.ext.babel_extract broken?"
    assert {m.id for m in catalogue(lang) if m.id} == extracted, \
        "run python docs/gen_messages.py and translate the new messages"


def test_the_installed_package_ships_the_catalogues():
    # tests import the installed package: a wheel without its .po files fails here
    for lang in LANGUAGES:
        assert (LOCALE_DIR / lang / "LC_MESSAGES" / "salescli.po").is_file()
    assert translations("fi").gettext("Valid until") == "Voimassa"
    assert translations("sv").gettext("Valid until") == "Giltig till"
    assert translations("en").gettext("Valid until") == "Valid until"


def test_gettext_keeps_the_sandbox_limits(tmp_path: Path):
    (tmp_path / "templates").mkdir()
    # a repository template's own message is formatted with its variables, bounded
    (tmp_path / "templates" / "t.md.j2").write_text(
        '{{ _("%(x)999999999s", x=1) }}')
    with pytest.raises(TemplateLimit, match="longer than"):
        render("t.md.j2", {}, tmp_path, lang="fi")
    # and a message made of a huge value is refused before it becomes text
    (tmp_path / "templates" / "t.md.j2").write_text(
        '{% set x = "a" * 4000000 %}{{ _([x, x]) }}')
    with pytest.raises(TemplateLimit, match=r"longer than .* \(gettext\)"):
        render("t.md.j2", {}, tmp_path, lang="fi")
    (tmp_path / "templates" / "t.md.j2").write_text(
        '{{ _("Valid until") }} {% trans n=2 %}{{ n }} days{% endtrans %} '
        '{{ ngettext("%(num)s day", "%(num)s days", 3) }} {{ _("Hi %(who)s", who="<b>") }}')
    assert render("t.md.j2", {}, tmp_path, lang="sv") == "Giltig till 2 days 3 days Hi \\<b>"
    (tmp_path / "templates" / "t.html.j2").write_text('{{ _("Hi %(who)s", who="<b>") }}')
    assert render("t.html.j2", {}, tmp_path) == "Hi &lt;b&gt;"  # escaped in HTML


# ------------------------------------------------------------- which language


def test_the_commands_offer_the_models_languages():
    from salescli.core.model import LANGUAGES as MODEL
    from salescli.services.documents import LANGUAGES

    assert LANGUAGES == MODEL


def settings(locale: str) -> SimpleNamespace:
    return SimpleNamespace(locale=locale)


@pytest.mark.parametrize("locale,account,given,expected", [
    ("fi_FI", None, None, "fi"), ("sv_FI", None, None, "sv"), ("sv-SE", None, None, "sv"),
    ("en_US", None, None, "en"), ("de_DE", None, None, "en"),
    ("fi_FI", "sv", None, "sv"), ("en_US", "fi", None, "fi"),
    ("fi_FI", "sv", "en", "en"),  # --lang over the customer's
])
def test_the_language_is_lang_else_the_customers_else_the_settings(
        locale: str, account: str | None, given: str | None, expected: str):
    customer = SimpleNamespace(language=account)
    assert document_language(settings(locale), customer, given) == expected


@pytest.mark.parametrize("locale,lang,expected", [
    ("fi_FI", "fi", "fi_FI"), ("sv_SE", "sv", "sv_SE"), ("en_GB", "en", "en_GB"),
    ("fi_FI", "sv", "sv_FI"), ("fi_FI", "en", "en_FI"),  # the settings' territory
    ("en_US", "fi", "fi_FI"), ("en_US", "sv", "sv_SE"), ("de_DE", "en", "en_DE"),
    ("ja_JP", "fi", "fi_FI"),  # no fi_JP: the language's default
])
def test_numbers_and_dates_follow_the_language_in_the_settings_territory(
        locale: str, lang: str, expected: str):
    assert document_locale(locale, lang) == expected


# ------------------------------------------------------------------ the documents


@pytest.fixture
def docs(repo: Repo) -> Repo:
    """A Finnish seller and a customer with a billing address and a VAT number."""
    text = (repo.root / "salescli.yaml").read_text()
    company = """company:
  name: Hubble Oy
  business_id: 2345678-9
  vat_number: FI23456789
  address: {street: Kauppakatu 1, postcode: '20100', city: Turku, country: Finland}
  email: sales@hubble.example
  phone: +358 2 123 4567
  website: null
  iban: FI21 1234 5600 0007 85
  bic: NDEAFIHH
  offering: order-processing automation
"""
    start, end = text.index("company:\n"), text.index("currency:")
    text = replaced(text[:start] + company + text[end:], "locale: en_US", "locale: fi_FI")
    repo.write("salescli.yaml", text)
    repo.write("products.yaml", PRODUCTS)
    repo.write("accounts/2026-10/acme-oy.yaml", """
        id: acme-oy
        name: Acme Oy
        business_id: 1234567-8
        vat_number: FI12345678
        address: {street: Satamakatu 3, postcode: '28100', city: Pori}
        billing_address: {street: PL 100, postcode: '00019', city: SSC, country: Finland}
        industry: wholesale
        created: 2026-10-01
        contacts:
          - {id: matti-virtanen, name: Matti Virtanen, title: CFO, role: economic-buyer,
             email: matti.virtanen@acme.fi}
        """)
    repo.write("deals/2026-10/acme-erp.yaml", """
        id: acme-erp
        title: Order-processing automation
        account: acme-oy
        owner: anna
        stage: proposal
        value: 40000.00
        close_date: 2027-01-31
        created: 2026-10-01
        stakeholders:
          - {contact: matti-virtanen, influence: high}
        items:
          - {product: silma-pro, quantity: 12, discount: 10}
          - {name: Integration work, quantity: 40, unit: h, unit_price: 120.00, tax_rate: 25.5}
        checklist:
          proposal: [Commercial proposal sent]
        """)
    repo.commit()
    return repo


DOCUMENTS = {
    "quote.md": ["quote", "acme-erp", "--dry-run", "--format", "md"],
    "quote.html": ["quote", "acme-erp", "--dry-run", "--format", "html"],
    "order-confirmation.md": ["render", "order-confirmation", "acme-erp"],
    "agenda.md": ["agenda", "acme-erp"],
}


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_every_document_in_every_language(docs: Repo, document: str, lang: str):
    before = docs.head()
    r = docs.run(*DOCUMENTS[document], "--date", "2026-11-20", "--lang", lang)
    assert r.exit_code == 0, r.output
    assert docs.head() == before and docs.status() == ""
    assert_golden(r.stdout, document, lang)


@pytest.fixture
def closed(docs: Repo) -> Repo:
    """The deal won at its accepted quote: what an order and an invoice are made from."""
    path = docs.root / "deals/2026-10/acme-erp.yaml"
    text = replaced(path.read_text(), "stage: proposal\n", "stage: proposal\nstatus: won\n")
    path.write_text(text + "won_date: 2026-11-16\nquotes:\n"
                    "  - {number: Q-2026-0001, version: 1, date: 2026-11-10, total: 39792.00, "
                    "currency: EUR, file: quotes/acme-erp/Q-2026-0001-v1.md, status: accepted, "
                    "decided: 2026-11-12}\n")
    docs.commit()
    return docs


CLOSED_DOCUMENTS = {
    "order.md": ["order", "acme-erp", "--dry-run", "--format", "md"],
    "order.html": ["order", "acme-erp", "--dry-run", "--format", "html"],
    "invoice.md": ["invoice", "acme-erp", "--dry-run", "--format", "md"],
    "invoice.html": ["invoice", "acme-erp", "--dry-run", "--format", "html"],
}


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
@pytest.mark.parametrize("document", sorted(CLOSED_DOCUMENTS))
def test_every_order_and_invoice_in_every_language(closed: Repo, document: str, lang: str):
    r = closed.run(*CLOSED_DOCUMENTS[document], "--date", "2026-11-20", "--lang", lang)
    assert r.exit_code == 0, r.output
    assert_golden(r.stdout, document, lang)


def test_the_customers_language_is_the_default(docs: Repo):
    # fi_FI settings: Finnish...
    assert docs.run("quote", "acme-erp", "--dry-run").stdout.startswith("# Tarjous Q-")
    # ...unless the customer reads Swedish; --lang over both
    docs.edit("accounts/2026-10/acme-oy.yaml", "industry:", "language: sv\nindustry:")
    docs.commit()
    out = docs.run("quote", "acme-erp", "--dry-run", "--date", "2026-11-20").stdout
    assert out.startswith("# Offert Q-") and "| Giltig till | 20 dec. 2026 |" in out
    assert "| FO-nummer 1234567-8 · Momsnummer FI12345678 |" in out
    assert docs.run("agenda", "acme-erp").stdout.startswith("# Mötesagenda: ")
    assert docs.run("quote", "acme-erp", "--dry-run", "--lang", "en").stdout.startswith(
        "# Quote Q-")
    r = docs.run("quote", "acme-erp", "--dry-run", "--lang", "de")
    assert r.exit_code == 2 and "'de' is not one of 'en', 'fi', 'sv'" in r.stderr


def test_a_quote_in_another_format_or_language_is_no_new_version(docs: Repo):
    r = docs.run("quote", "acme-erp", "--date", "2026-11-20", "--lang", "sv")
    assert r.exit_code == 0, r.output
    text = (docs.root / "quotes/acme-erp/Q-2026-0001-v1.sv.md").read_text()
    assert text.startswith("# Offert Q-2026-0001\n")
    # the same content in another format or language is a document of the same version
    r = docs.run("quote", "acme-erp", "--date", "2026-11-21", "--format", "html",
                 "--lang", "fi")
    assert r.exit_code == 0 and "Q-2026-0001 v1" in r.stdout, r.output
    html = (docs.root / "quotes/acme-erp/Q-2026-0001-v1.html").read_text()
    assert "<h1>Tarjous Q-2026-0001</h1>" in html and "20.11.2026" in html
    # a changed item is new content: version 2
    docs.edit("deals/2026-10/acme-erp.yaml", "quantity: 40", "quantity: 48")
    docs.commit()
    r = docs.run("quote", "acme-erp", "--date", "2026-11-22", "--lang", "sv")
    assert r.exit_code == 0 and "Q-2026-0001 v2" in r.stdout, r.output


def test_a_checklist_translation_must_match_item_for_item(docs: Repo):
    docs.edit("pipelines/default.yaml", "        - Kaupallinen tarjous lähetetty\n", "", 1)
    docs.commit()
    r = docs.run("check")
    assert r.exit_code == 1 and "checklists.fi has 1 items" in r.output


def test_the_html_quote_prints_on_one_a4_page(docs: Repo, tmp_path: Path, chromium):
    """Chromium prints it (as the dashboard's test does); skipped where there is none."""
    import base64

    for lang in ("en", "fi", "sv"):
        html = tmp_path / f"quote.{lang}.html"
        html.write_text(docs.run(*DOCUMENTS["quote.html"], "--lang", lang).stdout)
        page = chromium.open_page()
        chromium.navigate(page, html.as_uri())
        pdf = base64.b64decode(chromium.send(
            "Page.printToPDF", {"printBackground": True, "paperWidth": 8.27,
                                "paperHeight": 11.69, "preferCSSPageSize": True},
            page)["data"])
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        assert pages == 1, (lang, pages)
