"""Documents as printed: the HTML quote on one A4 page in Chromium, and `--format pdf`
(WeasyPrint) recorded, numbered by content and laid out on one A4 page."""

from __future__ import annotations

import base64

import pytest
from conftest import Repo
from test_cmd_quote import DEAL_FILE
from test_cmd_quote import quoting_repo

A4_POINTS = (595, 842)  # 210 x 297 mm in PDF points, rounded


@pytest.fixture
def quoting(repo: Repo) -> Repo:
    return quoting_repo(repo)


def pdf_pages(data: bytes) -> int:
    return data.count(b"/Type /Page") - data.count(b"/Type /Pages")


def test_the_html_quote_prints_on_one_a4_page_in_chromium(quoting: Repo, chromium, tmp_path):
    html = tmp_path / "quote.html"
    r = quoting.run("quote", "acme-erp", "--format", "html", "--dry-run")
    assert r.exit_code == 0, r.stderr
    html.write_text(r.stdout, encoding="utf-8")
    page = chromium.open_page()
    chromium.navigate(page, html.as_uri())
    pdf = base64.b64decode(chromium.send(
        "Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}, page)["data"])
    assert pdf.startswith(b"%PDF")
    assert pdf_pages(pdf) == 1


def test_a_pdf_quote_is_recorded_and_is_one_a4_page(quoting: Repo):
    import weasyprint

    # dated, as the quotes below: the number carries the year
    r = quoting.run("quote", "acme-erp", "--format", "pdf", "--date", "2026-11-02")
    assert r.exit_code == 0, r.stderr
    assert "quotes/acme-erp/Q-2026-0001-v1.pdf" in r.stdout
    data = (quoting.root / "quotes/acme-erp/Q-2026-0001-v1.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert "file: quotes/acme-erp/Q-2026-0001-v1.pdf" in (quoting.root / DEAL_FILE).read_text()
    # the layout WeasyPrint made: one page, A4
    html = quoting.run("quote", "acme-erp", "--format", "html", "--dry-run").stdout
    pages = weasyprint.HTML(string=html).render().pages
    assert [(round(p.width * 0.75), round(p.height * 0.75)) for p in pages] == [A4_POINTS]


def test_the_same_quote_as_pdf_and_markdown_is_one_version(quoting: Repo):
    day = ("--date", "2026-11-02")
    assert quoting.run("quote", "acme-erp", "--format", "pdf", *day).exit_code == 0
    r = quoting.run("quote", "acme-erp", "--format", "md", *day)
    assert r.exit_code == 0, r.stderr
    assert "Q-2026-0001 v1" in r.stdout  # another format of the same content
    before = quoting.state()
    r = quoting.run("quote", "acme-erp", "--format", "pdf", *day)
    assert r.exit_code == 1 and "unchanged and already written" in r.stderr
    assert quoting.state() == before


def test_the_same_html_is_the_same_pdf_at_any_time(monkeypatch: pytest.MonkeyPatch):
    # the embedded fonts' "modified" time came from the clock: an unchanged quote
    # re-issued as PDF a second later was a new version (and the test above flaky)
    import os
    import time

    from salescli.store.pdf import EPOCH
    from salescli.store.pdf import html_to_pdf

    html = "<p>Quote Q-2026-0001 v1: 1 234,50 €</p>"
    monkeypatch.delenv(EPOCH, raising=False)
    first = html_to_pdf(html)
    later = time.time() + 86_400
    monkeypatch.setattr(time, "time", lambda: later)
    assert html_to_pdf(html) == first
    monkeypatch.setenv(EPOCH, "1700000000")  # a caller's own value is left as it was
    assert html_to_pdf(html) == first
    assert os.environ[EPOCH] == "1700000000"


def test_without_weasyprint_pdf_is_one_line_naming_the_extra(quoting: Repo, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` fails
    before = quoting.state()
    r = quoting.run("quote", "acme-erp", "--format", "pdf")
    assert r.exit_code == 1
    assert r.stderr == ("Error: PDF output needs the pdf extra: "
                        "pip install 'salescli[pdf]'\n")
    assert quoting.state() == before


@pytest.mark.parametrize("flag", ["--dry-run", "--draft"])
def test_a_pdf_dry_run_goes_to_a_pipe(quoting: Repo, flag: str):
    r = quoting.run("quote", "acme-erp", "--format", "pdf", flag)
    assert r.exit_code == 0, r.stderr
    assert r.stdout_bytes.startswith(b"%PDF")
