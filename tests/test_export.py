"""`salescli export`: every table with its documented columns, in CSV, JSON Lines and SQLite."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import beta_lead
from conftest import replaced

from salescli.store.export import TABLES

ROOT = Path(__file__).resolve().parents[1]

ACCOUNT = """
id: acme-oy
name: "\\tAcme Oy"
business_id: 1234567-8
owner: anna
created: 2026-10-01
tags: [wholesale, nordics]
contacts:
  - id: matti-virtanen
    name: Matti Virtanen
    phone: "+358 40 123 4567"
    role: economic-buyer
  - id: liisa-k
    name: "\\rLiisa K"
    reports_to: matti-virtanen
"""

DEAL = """
id: acme-erp
title: "=HYPERLINK(\\"http://evil.example\\",\\"click\\")"
account: acme-oy
pipeline: default
stage: {stage}
status: open
value: 48000.50
currency: EUR
close_date: {close}
owner: anna
source: referral
created: 2026-10-01
items:
  - {{name: Integration work, quantity: 40, unit: h, unit_price: 120.00, tax_rate: 25.5}}
  - {{name: Support, quantity: 2, unit_price: 100, billing: monthly, discount: 10}}
activities:
  - {{date: 2026-10-02, type: call, summary: "-2+3", owner: anna}}
  - {{date: 2026-10-03, type: note, summary: "@SUM(A1:A9)", outcome: "+fine"}}
notes: "plain text"
"""


def commit_at(repo, when: str) -> None:
    """Commit everything with an author date, as `--date` or a hand edit would."""
    repo.git("add", "-A")
    repo.git("commit", "-qm", f"edit at {when}", "--date", f"{when}+00:00")


@pytest.fixture
def history(repo):
    """An account, a lead and a deal advanced twice and slipped once, by hand-made commits."""
    repo.write("accounts/2026-10/acme-oy.yaml", ACCOUNT)
    beta_lead(repo, owner="ville", created="2026-10-05")
    repo.write("deals/2026-10/acme-erp.yaml",
               DEAL.format(stage="needs-analysis", close="2027-01-31"))
    commit_at(repo, "2026-10-01T12:00:00")
    repo.write("deals/2026-10/acme-erp.yaml", DEAL.format(stage="proposal", close="2027-01-31"))
    commit_at(repo, "2026-10-10T09:30:00")
    repo.write("deals/2026-10/acme-erp.yaml",
               DEAL.format(stage="negotiation", close="2027-02-28"))
    commit_at(repo, "2026-10-20T15:00:00")
    return repo


def export(repo, fmt: str, out: Path, *extra: str):
    return repo.run("export", "--format", fmt, "--out", str(out), *extra)


def read_csv(folder: Path, table: str) -> list[list[str]]:
    with open(folder / f"{table}.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_csv_has_every_table_with_its_documented_columns(history, tmp_path):
    r = export(history, "csv", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert "accounts 1, contacts 2, leads 1, deals 1, items 2, quotes 0, orders 0, invoices 0, " \
        "activities 2" in r.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == \
        sorted(f"{t.name}.csv" for t in TABLES)
    for table in TABLES:
        assert read_csv(tmp_path / "out", table.name)[0] == list(table.names)
    deals = read_csv(tmp_path / "out", "deals")
    deal = dict(zip(deals[0], deals[1], strict=True))
    assert deal["value"] == "48000.50"
    assert deal["stage"] == "negotiation" and deal["close_date"] == "2027-02-28"
    assert deal["path"] == "deals/2026-10/acme-erp.yaml"
    items = [dict(zip(read_csv(tmp_path / "out", "items")[0], row, strict=True))
             for row in read_csv(tmp_path / "out", "items")[1:]]
    assert [(i["line"], i["total"], i["cycles"]) for i in items] == \
        [("1", "4800.00", "1"), ("2", "2160.00", "12")]


def test_csv_neutralises_formula_cells(history, tmp_path):
    export(history, "csv", tmp_path / "out")
    cells = {c for table in TABLES for row in read_csv(tmp_path / "out", table.name)[1:]
             for c in row}
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in cells   # deal title
    assert "'-2+3" in cells and "'@SUM(A1:A9)" in cells and "'+fine" in cells  # activities
    assert "'\tAcme Oy" in cells                                         # account name
    assert "'\rLiisa K" in cells                                         # contact name
    assert "'+358 40 123 4567" in cells                                  # a phone too
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    assert not [c for c in cells if c.startswith(dangerous)]
    # numbers and dates stay numbers and dates
    assert "48000.50" in cells and "2026-10-01" in cells


def test_sqlite_opens_with_typed_tables_and_the_repository_counts(history, tmp_path):
    db = tmp_path / "pipeline.sqlite"
    r = export(history, "sqlite", db)
    assert r.exit_code == 0, r.output
    con = sqlite3.connect(db)
    names = {n for (n,) in con.execute("select name from sqlite_master where type = 'table'")}
    assert names == {t.name for t in TABLES}
    for table in TABLES:
        info = con.execute(f'pragma table_info("{table.name}")').fetchall()
        assert [c[1] for c in info] == list(table.names)
        assert [c[1] for c in info if c[5]] == list(table.key)  # primary key columns
    types = {c[1]: c[2] for c in con.execute('pragma table_info("deals")')}
    assert (types["value"], types["created"], types["title"]) == ("REAL", "TEXT", "TEXT")
    counts = {t.name: con.execute(f'select count(*) from "{t.name}"').fetchone()[0]
              for t in TABLES}
    assert counts == {"accounts": 1, "contacts": 2, "leads": 1, "deals": 1, "items": 2,
                      "quotes": 0, "orders": 0, "invoices": 0, "activities": 2,
                      "custom_fields": 0, "deal_events": counts["deal_events"]}
    # SQLite keeps values as they are: only CSV needs neutralising
    assert con.execute("select title, value from deals").fetchone() == \
        ('=HYPERLINK("http://evil.example","click")', 48000.5)
    assert con.execute("select type, record_kind, record_id from activities "
                       "where line = 2").fetchone() == ("note", "deal", "acme-erp")
    con.close()


@pytest.mark.skipif(shutil.which("sqlite3") is None and not os.environ.get("CI"),
                    reason="no sqlite3 command (apt-get install sqlite3); CI runs this test")
def test_sqlite_export_opens_in_the_sqlite3_command(history, tmp_path):
    db = tmp_path / "pipeline.sqlite"
    export(history, "sqlite", db)
    out = subprocess.run(["sqlite3", str(db), ".tables"], capture_output=True, text=True,
                         check=True).stdout
    assert sorted(out.split()) == sorted(t.name for t in TABLES)
    out = subprocess.run(["sqlite3", str(db), "select count(*) from deal_events "
                          "where deal_id = 'acme-erp' and field = 'stage'"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "3"


def test_deal_events_follow_the_history(history, tmp_path):
    export(history, "jsonl", tmp_path / "out")
    events = [json.loads(line) for line in
              (tmp_path / "out" / "deal_events.jsonl").read_text().splitlines()]
    stages = [(e["time"], e["old"], e["new"]) for e in events if e["field"] == "stage"]
    # created in needs-analysis, then advanced twice: two stage events after the first
    assert stages == [("2026-10-01T12:00:00Z", None, "needs-analysis"),
                      ("2026-10-10T09:30:00Z", "needs-analysis", "proposal"),
                      ("2026-10-20T15:00:00Z", "proposal", "negotiation")]
    slips = [(e["old"], e["new"]) for e in events if e["field"] == "close_date"]
    assert slips == [(None, "2027-01-31"), ("2027-01-31", "2027-02-28")]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    head = history.head()
    assert events[-1]["commit"] == head
    value = next(e for e in events if e["field"] == "value")
    assert value["new"] == "48000.50"  # money as a decimal, not cents


def test_jsonl_parses_with_every_column_and_numbers_as_numbers(history, tmp_path):
    export(history, "jsonl", tmp_path / "out")
    for table in TABLES:
        for line in (tmp_path / "out" / f"{table.name}.jsonl").read_text().splitlines():
            assert list(json.loads(line)) == list(table.names)
    deal = json.loads((tmp_path / "out" / "deals.jsonl").read_text())
    assert deal["value"] == 48000.5 and deal["probability"] is None
    assert deal["title"].startswith("=")  # only CSV cells are neutralised
    account = json.loads((tmp_path / "out" / "accounts.jsonl").read_text())
    assert account["tags"] == "wholesale, nordics"


def test_export_refuses_to_overwrite_without_force(history, tmp_path):
    db = tmp_path / "pipeline.sqlite"
    db.write_text("not mine to lose")
    r = export(history, "sqlite", db)
    assert r.exit_code == 2
    assert "exists; use --force" in r.output
    assert db.read_text() == "not mine to lose"
    assert export(history, "sqlite", db, "--force").exit_code == 0
    sqlite3.connect(db).execute("select * from deals").fetchall()

    folder = tmp_path / "out"
    assert export(history, "csv", folder).exit_code == 0
    r = export(history, "csv", folder)
    assert r.exit_code == 2 and "already has accounts.csv" in r.output
    assert export(history, "csv", folder, "--force").exit_code == 0
    r = export(history, "csv", db)
    assert r.exit_code == 2 and "is a file" in r.output
    r = export(history, "sqlite", folder)
    assert r.exit_code == 2 and "is a folder" in r.output
    leftovers = [p.name for p in [*tmp_path.iterdir(), *folder.iterdir()]
                 if p.name.startswith(".")]
    assert leftovers == []  # no temporary files left behind


def test_export_of_a_new_repository_writes_empty_tables(repo, tmp_path):
    r = export(repo, "sqlite", tmp_path / "empty.sqlite")
    assert r.exit_code == 0, r.output
    con = sqlite3.connect(tmp_path / "empty.sqlite")
    assert con.execute("select count(*) from deals").fetchone() == (0,)


def test_docs_list_every_table_and_column():
    doc = (ROOT / "docs" / "export.md").read_text()
    for table in TABLES:
        assert f"### `{table.name}`" in doc
        for name in table.names:
            assert f"| `{name}` |" in doc.split(f"### `{table.name}`", 1)[1]
    check = subprocess.run([sys.executable, str(ROOT / "docs" / "gen_export.py"), "--check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


DOCUMENTS = """quotes:
  - {number: Q-2026-0001, version: 1, date: 2026-10-05, total: 4980.00, currency: EUR,
     file: quotes/acme-erp/Q-2026-0001-v1.md, status: rejected, decided: 2026-10-08,
     reason: Over budget}
  - {number: Q-2026-0001, version: 2, date: 2026-10-09, total: 4500.00, currency: EUR,
     file: quotes/acme-erp/Q-2026-0001-v2.md}
orders:
  - {number: O-2026-0001, date: 2026-10-12, quote: Q-2026-0001, version: 2, total: 4500.00,
     currency: EUR, file: orders/acme-erp/O-2026-0001.md}
invoices:
  - {number: '20260001', date: 2026-10-15, due: 2026-10-29, total: -4500.00, vat: -1147.50,
     currency: EUR, reference: '20260001 4', file: invoices/2026/20260001.md,
     sha256: %s, credit_of: '20250009'}
""" % ("a" * 64)


def test_quotes_orders_and_invoices_are_tables(history, tmp_path):
    """Each document a deal records is a row of its table, in the export and in `sql`:
    `SELECT status, count(*) FROM quotes GROUP BY status` answers without a script."""
    deal = DEAL.format(stage="negotiation", close="2027-02-28")
    history.write("deals/2026-10/acme-erp.yaml",
                  replaced(deal, "activities:", DOCUMENTS + "activities:"))
    commit_at(history, "2026-10-20T16:00:00")
    r = export(history, "sqlite", tmp_path / "out.sqlite")
    assert r.exit_code == 0, r.output
    assert "items 2, quotes 2, orders 1, invoices 1, activities 2" in r.output
    con = sqlite3.connect(tmp_path / "out.sqlite")
    assert con.execute("select line, number, version, total, status, decided, reason "
                       "from quotes order by line").fetchall() == [
        (1, "Q-2026-0001", 1, 4980.0, "rejected", "2026-10-08", "Over budget"),
        (2, "Q-2026-0001", 2, 4500.0, "sent", None, None)]  # no status: sent
    assert con.execute("select deal_id, number, quote, version, total from orders").fetchall() \
        == [("acme-erp", "O-2026-0001", "Q-2026-0001", 2, 4500.0)]
    assert con.execute("select number, due, total, vat, credit_of from invoices").fetchall() \
        == [("20260001", "2026-10-29", -4500.0, -1147.5, "20250009")]
    r = history.run("sql", "SELECT number, status FROM quotes ORDER BY line", "--format", "csv")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == ["number,status", "Q-2026-0001,rejected",
                                     "Q-2026-0001,sent"]


def test_sqlite_cells_are_the_typed_values_with_decimals_as_real():
    """The record index and the SQLite export convert each cell by its column's type in
    one step; it must give what the CSV and JSON writers' typed value gives, as REAL."""
    import datetime as dt
    from decimal import Decimal

    from hypothesis import given
    from hypothesis import strategies as st

    from salescli.store.export import _typed
    from salescli.store.export import sql_values

    cell = st.one_of(st.none(), st.text(max_size=5), st.dates(), st.integers(-10**6, 10**6),
                     st.decimals(allow_nan=False, allow_infinity=False, places=2),
                     st.datetimes())

    @given(st.sampled_from(TABLES), st.data())
    def check(table, data) -> None:
        row = {}
        for c in table.columns:
            value = data.draw(cell)
            if c.type in ("money", "number", "integer") and isinstance(value, str):
                value = None  # no text reaches a number column: the model typed it
            row[c.name] = value
        want = [float(v) if isinstance(v, Decimal) else v for v in next(_typed(table, [row]))]
        got = next(sql_values(table, [row]))
        assert got == want
        assert [type(v) for v in got] == [type(v) for v in want]
        assert not any(isinstance(v, dt.date) for v in got)

    check()
