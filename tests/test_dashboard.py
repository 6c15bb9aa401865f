"""`salescli report dashboard`: one self-contained page, checked as HTML and in Chromium."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import replaced

from salescli.cli import cli

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"
XSS_DEAL = f"""
id: xss-deal
title: '{XSS}'
account: acme-oy
pipeline: default
stage: needs-analysis
status: open
value: 5000
currency: EUR
close_date: 2026-12-31
owner: anna
source: website
created: 2026-09-01
"""


def dashboard(repo, out: Path, *extra: str):
    return repo.run("report", "dashboard", "--out", str(out), *extra)


@pytest.fixture
def demo(tmp_path):
    """The demo repository plus a stale deal whose title is an HTML injection attempt."""
    from conftest import Repo

    root = tmp_path / "demo"
    r = CliRunner().invoke(cli, ["demo", str(root), "--deals", "40", "--seed", "3",
                                 "--end", "2026-11-22"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    repo = Repo(root)
    repo.write("deals/2026-09/xss-deal.yaml", XSS_DEAL)
    repo.git("add", "deals/2026-09/xss-deal.yaml")
    repo.git("commit", "-qm", "deal(xss-deal): add", "--date", "2026-09-01T12:00:00+00:00")
    return repo


# ------------------------------------------------------------------- as HTML


def test_dashboard_is_one_self_contained_page(demo, tmp_path):
    out = tmp_path / "board.html"
    r = dashboard(demo, out, "--as-of", "2026-11-22")
    assert r.exit_code == 0, r.output
    page = out.read_text()
    for section in ("funnel", "forecast", "lost", "slips", "stale"):
        assert f'<section id="{section}">' in page
    assert '<meta name="viewport"' in page and "@media print" in page
    # nothing to fetch and nothing to run: no URLs at all, no scripts, no external CSS
    assert not re.search(r"https?:|//[a-z]", page, re.I)
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", page, re.I)
    assert 'data-chart="funnel"' in page and 'class="bar stage"' in page


def test_dashboard_escapes_every_text(demo, tmp_path):
    out = tmp_path / "board.html"
    dashboard(demo, out, "--as-of", "2026-11-22")
    page = out.read_text()
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in page


def test_dashboard_forecast_shows_the_overdue_deals_first(demo, tmp_path):
    # an open deal whose close date (10-31) passed before the as-of date (11-22)
    text = replaced(XSS_DEAL, "xss-deal", "late-deal")
    text = replaced(text, f"'{XSS}'", "Late deal")
    demo.write("deals/2026-09/late-deal.yaml", replaced(text, "2026-12-31", "2026-10-31"))
    demo.git("add", "deals/2026-09/late-deal.yaml")
    demo.git("commit", "-qm", "deal(late-deal): add", "--date", "2026-09-02T12:00:00+00:00")
    out = tmp_path / "board.html"
    assert dashboard(demo, out, "--as-of", "2026-11-22").exit_code == 0
    page = out.read_text()
    section = page[page.index('<section id="forecast">'):]
    section = section[:section.index("</section>")]
    labels = re.findall(r'<text class="label"[^>]*>([^<]*)<title>', section)
    assert labels[0] == "Overdue" and labels[1:] == sorted(labels[1:]), labels
    assert re.search(r"of which [\d,]+ EUR overdue", section), section[:400]
    assert "<td>overdue</td>" in section  # the table: the overdue rows first too
    assert section.index("<td>overdue</td>") < section.index("<td>2026-")


def test_dashboard_of_an_empty_repository_says_no_data(repo, tmp_path):
    out = tmp_path / "board.html"
    r = dashboard(repo, out)
    assert r.exit_code == 0, r.output
    page = out.read_text()
    assert page.count("No data for this chart in the window.") >= 3
    assert "<svg class=\"chart\"" not in page
    assert "No open deal is past its stage&#x27;s max_days." in page


def test_dashboard_refuses_to_overwrite_without_force(filled, tmp_path):
    out = tmp_path / "board.html"
    out.write_text("keep me")
    r = dashboard(filled, out)
    assert r.exit_code == 2 and "exists; use --force" in r.output
    assert out.read_text() == "keep me"
    r = dashboard(filled, out, "--force")
    assert r.exit_code == 0 and out.read_text().startswith("<!doctype html>")


def test_dashboard_to_standard_output_and_filters(filled):
    r = filled.run("report", "dashboard", "--out", "-", "--owner", "anna", "--since",
                   "2026-11-01")  # the one deal is anna's, created in October
    assert r.exit_code == 0, r.output
    assert r.output.startswith("<!doctype html>") and "owner: anna" in r.output
    assert "0 deals created in the window" in r.output
    r = filled.run("report", "dashboard", "--out", "-", "--owner", "nobody")
    assert r.exit_code == 2 and "--owner: no owner `nobody`" in r.output


# ------------------------------------------------------------------ in Chromium


CHARTS_JS = """JSON.stringify([...document.querySelectorAll('svg.chart')].map(svg => ({
  name: svg.dataset.chart,
  width: svg.getBoundingClientRect().width,
  bars: [...svg.querySelectorAll('rect.bar')]
        .filter(r => r.getBoundingClientRect().width > 0).length})))"""


# elements out of the viewport, but for what scrolls inside a table's own box
OVERFLOW_JS = """JSON.stringify([...document.querySelectorAll('body *')].filter(el => {
  if (el.closest('.table')) return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1);
}).slice(0, 5).map(el => el.tagName + ' ' + (el.textContent || '').slice(0, 40)))"""
WIDTHS_JS = """JSON.stringify([...document.querySelectorAll('main > section')]
  .map(s => Math.round(s.getBoundingClientRect().width)))"""
STICKY_JS = """getComputedStyle(document.querySelector('.table td:first-child')).position"""


def problems(events: list[dict]) -> list[str]:
    """Console errors, uncaught exceptions, dialogs and any request that is not the file."""
    found = []
    for ev in events:
        method, params = ev.get("method"), ev.get("params", {})
        if method == "Runtime.exceptionThrown":
            found.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(f"console.{params['type']}: {params.get('args')}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url')}")
        elif method == "Page.javascriptDialogOpening":
            found.append(f"dialog: {params.get('message')}")
        elif method == "Network.requestWillBeSent" and \
                not params["request"]["url"].startswith(("file:", "data:", "about:")):
            found.append(f"request: {params['request']['url']}")
    return found


def test_dashboard_in_headless_chromium(demo, chromium, tmp_path):
    import json

    out = tmp_path / "board.html"
    assert dashboard(demo, out, "--as-of", "2026-11-22").exit_code == 0
    page = chromium.open_page()
    shots = {}
    for name, width, mobile in (("desktop", 1400, False), ("phone", 390, True)):
        chromium.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": 900, "deviceScaleFactor": 1,
                       "mobile": mobile}, page)
        chromium.navigate(page, out.as_uri())
        charts = json.loads(chromium.evaluate(page, CHARTS_JS))
        names = {c["name"] for c in charts}
        assert {"funnel", "forecast-EUR", "lost", "slips", "stale"} <= names, charts
        empty = [c["name"] for c in charts if c["bars"] == 0 or c["width"] < 100]
        assert not empty, f"{name}: charts without bars: {empty}"
        # the page fits the screen: only tables may scroll sideways, inside their box
        assert chromium.evaluate(
            page, "document.documentElement.scrollWidth <= window.innerWidth"), name
        assert json.loads(chromium.evaluate(page, OVERFLOW_JS)) == [], name
        # one column: every section as wide as the page, no empty half-column beside one
        widths = json.loads(chromium.evaluate(page, WIDTHS_JS))
        assert len(set(widths)) == 1 and len(widths) >= 7, (name, widths)
        # a table wider than the screen scrolls with its first column kept in view
        assert chromium.evaluate(page, STICKY_JS) == "sticky", name
        # the injected title is text on the page, never markup
        assert chromium.evaluate(page, "document.querySelectorAll('script, img').length") == 0
        assert XSS in chromium.evaluate(page, "document.body.innerText")
        shots[name] = tmp_path / f"dashboard-{name}.png"
        size = chromium.screenshot(page, shots[name])
        assert size[1] > 600 and shots[name].stat().st_size > 10_000
    chromium.send("Emulation.setEmulatedMedia", {"media": "print"}, page)
    tall = chromium.evaluate(page, "document.documentElement.scrollHeight")
    pdf = chromium.send("Page.printToPDF", {"printBackground": True, "paperWidth": 8.27,
                                            "paperHeight": 11.69}, page)["data"]
    (tmp_path / "dashboard.pdf").write_bytes(base64.b64decode(pdf))
    data = base64.b64decode(pdf)
    assert data.startswith(b"%PDF")
    # no empty pages: about as many A4 pages as the printed page is tall (273 mm of
    # 297 mm are inside the margins: about 1,030 px each), and one more at most
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    assert pages <= -(-tall // 1030) + 1, (pages, tall)
    assert problems(chromium.events) == []


def test_dashboard_shows_the_board_as_of_its_date(filled):
    r = filled.run("report", "dashboard", "--out", "-")
    assert r.exit_code == 0, r.output
    board = r.output[r.output.index('<section id="board">'):]
    board = board[:board.index("</section>")]
    assert "1 open deal in pipeline default, 48,000 EUR, as of" in board
    assert '<h3>needs-analysis</h3><p class="note">1 · 48,000 EUR</p>' in board
    assert '<span class="title">Order-processing automation</span>' in board
    # before the deal existed, the board was empty
    r = filled.run("report", "dashboard", "--out", "-", "--as-of", "2026-09-01")
    assert "0 open deals in pipeline default, 0, as of 2026-09-01." in r.output
