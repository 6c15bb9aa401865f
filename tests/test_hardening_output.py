"""Terminals and spreadsheets: what salescli prints and exports from hostile values.

Exported and listed CSV is spreadsheet-safe (formula cells get a leading `'`, cells a
spreadsheet could split are quoted) unless `export --raw`.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from conftest import DEAL, Repo

DEAL_FILE = "deals/2026-10/acme-erp.yaml"


# -------------------------------------------------------------- listing CSV


def test_listing_csv_quotes_semicolons_and_tabs(filled: Repo):
    filled.write(DEAL_FILE, DEAL.replace("title: Order-processing automation",
                                         'title: "a;=1"').replace("owner: anna",
                                                                  'owner: "b\\t=1"'))
    filled.commit()
    lines = filled.run("deal", "list", "--format", "csv").stdout.splitlines()
    assert lines[1].startswith('acme-erp,"a;=1",acme-oy,')
    assert lines[1].endswith(',"b\t=1"')


# -------------------------------------------------------------------- export

ODD_CELLS = {
    "name": "\x00=1+1",           # NUL first: a spreadsheet may drop it and run =1+1
    "domain": "a;=1",             # ; is the separator of Finnish and German Excel
    "industry": "a\t=1",          # tab: the separator LibreOffice may detect
    "region": "  =1+1",           # spaces before a formula
    "size": "\ufeff=1+1",         # a byte-order mark before a formula
    "notes": "\u00a0@SUM(A1)",    # a no-break space before one
}


@pytest.fixture
def odd(repo: Repo) -> Repo:
    text = "id: acme-oy\nowner: anna\ncreated: 2026-10-01\n" + "".join(
        f"{k}: {json.dumps(v)}\n" for k, v in ODD_CELLS.items()) + (
        "contacts:\n  - {id: matti, name: Matti, phone: \"+358 40 123 4567\"}\n")
    repo.write("accounts/2026-10/acme-oy.yaml", text)
    repo.write(DEAL_FILE, DEAL.replace("title: Order-processing automation",
                                       'title: "=HYPERLINK(\\"http://evil.example\\")"'))
    repo.commit()
    return repo


def export_csv(repo: Repo, out: Path, *extra: str) -> dict[str, list[dict[str, str]]]:
    r = repo.run("export", "--format", "csv", "--out", str(out), *extra)
    assert r.exit_code == 0, r.output
    tables = {}
    for path in out.glob("*.csv"):
        with open(path, newline="", encoding="utf-8") as f:
            tables[path.stem] = list(csv.DictReader(f))
    return tables


def test_export_csv_neutralises_invisible_first_characters(odd: Repo, tmp_path: Path):
    account = export_csv(odd, tmp_path / "out")["accounts"][0]
    for column in ("name", "region", "size", "notes"):
        assert account[column] == "'" + ODD_CELLS[column], column
    assert account["domain"] == "a;=1" and account["industry"] == "a\t=1"


def test_export_csv_quotes_cells_with_a_semicolon_or_a_tab(odd: Repo, tmp_path: Path):
    export_csv(odd, tmp_path / "out")
    text = (tmp_path / "out" / "accounts.csv").read_text(encoding="utf-8")
    assert ',"a;=1",' in text and ',"a\t=1",' in text
    assert ",anna," in text  # plain cells stay unquoted


def test_export_csv_raw_writes_values_as_stored(odd: Repo, tmp_path: Path):
    tables = export_csv(odd, tmp_path / "raw", "--raw")
    account = tables["accounts"][0]
    for column, value in ODD_CELLS.items():
        assert account[column] == value, column
    assert tables["contacts"][0]["phone"] == "+358 40 123 4567"
    assert tables["deals"][0]["title"] == '=HYPERLINK("http://evil.example")'
    text = (tmp_path / "raw" / "accounts.csv").read_text(encoding="utf-8")
    assert ',"a;=1",' in text  # quoting never changes a value, so raw keeps it
    # the same values as JSON Lines, which is exact
    odd.run("export", "--format", "jsonl", "--out", str(tmp_path / "jsonl"))
    for name, rows in tables.items():
        lines = (tmp_path / "jsonl" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        for row, line in zip(rows, lines, strict=True):
            exact = {k: "" if v is None else str(v) for k, v in json.loads(line).items()}
            if name in ("deals", "items"):  # numbers: JSON writes 48000.0, CSV 48000.00
                exact = {k: v for k, v in exact.items() if not re.fullmatch(r"[\d.]+", v)}
            assert {k: row[k] for k in exact} == exact, name


def test_export_raw_says_so(odd: Repo, tmp_path: Path):
    r = odd.run("export", "--format", "csv", "--raw", "--out", str(tmp_path / "o"))
    assert "Exported to " in r.stdout and "(csv, raw)" in r.stdout
    assert "--raw" in odd.run("export", "--help").stdout
