"""Terminals and spreadsheets: what salescli prints and exports from hostile values.

Printed output (tables, Markdown, listing CSV, messages, errors) shows control
characters as escapes (`\\x1b`), so a record cannot drive the terminal; JSON keeps the
values exact. Exported CSV is spreadsheet-safe unless `--raw`.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import pytest
from conftest import ACCOUNT
from conftest import DEAL
from conftest import Repo
from conftest import replaced

DEAL_FILE = "deals/2026-10/acme-erp.yaml"


# -------------------------------------------------------------- listing CSV


def test_listing_csv_quotes_semicolons_and_tabs(filled: Repo):
    filled.write(DEAL_FILE, replaced(DEAL, "title: Order-processing automation",
                                     'title: "a;=1"'))
    filled.edit(DEAL_FILE, "owner: anna", 'owner: "b\\t=1"')
    filled.commit()
    lines = filled.run("deal", "list", "--format", "csv").stdout.splitlines()
    assert lines[1].startswith('acme-erp,"a;=1",acme-oy,')
    assert lines[1].endswith(',"b\t=1"')


def test_csv_keeps_a_negative_number_a_number_and_neutralises_text(filled: Repo):
    # a value cut 48,000 -> 40,000: -8000.00 is a number a spreadsheet sums, while a
    # text starting with - may be a formula
    filled.edit(DEAL_FILE, "value: 48000.00", "value: 40000.00")
    filled.edit(DEAL_FILE, "owner: anna", 'owner: "-2+3"')
    filled.commit()
    out = filled.run("report", "changes", "--since", "2000-01-01", "--format", "csv").stdout
    assert [line for line in out.splitlines() if line.startswith("value-down,")] == [
        "value-down,EUR,1,-8000.00,acme-erp"]
    out = filled.run("sql", "SELECT -1.5 AS n, owner FROM deals", "--format", "csv").stdout
    assert out.splitlines() == ["n,owner", "-1.5,'-2+3"]


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
    repo.write(DEAL_FILE, replaced(DEAL, "title: Order-processing automation",
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


# ------------------------------------------------------------ printed for people

# OSC 0 (window title, ended by BEL), CSI 2J (clear screen), C1 CSI, backspace, CR, DEL
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u009b31mX\x08\rY\x7f"
HOSTILE_YAML = '"\\e]0;pwned\\a\\e[2J\\x9b31mX\\b\\rY\\x7f"'
SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J\\x9b31mX\\x08\\rY\\x7f"
# anything a terminal acts on, but newline and tab
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    assert not RAW_CONTROL.findall(text), RAW_CONTROL.findall(text)
    return text


@pytest.fixture
def hostile(filled: Repo) -> Repo:
    """Every free-text field a view prints carries HOSTILE."""
    filled.write("accounts/2026-10/acme-oy.yaml",
                 replaced(ACCOUNT, "name: Acme Oy", f"name: {HOSTILE_YAML}"))
    filled.write(DEAL_FILE, replaced(DEAL, "title: Order-processing automation",
                                     f"title: {HOSTILE_YAML}")
                 + f"next_step: {{action: {HOSTILE_YAML}, due: 2026-10-05}}\n"
                 + f"items:\n  - {{name: {HOSTILE_YAML}, quantity: 1, unit_price: 10,"
                 + " tax_rate: 24}\n"
                 + f"activities:\n  - {{date: 2026-10-02, type: call, summary: {HOSTILE_YAML},"
                 + f" outcome: {HOSTILE_YAML}, owner: anna}}\n")
    filled.write("leads/2026-10/beta-ltd.yaml",
                 f"id: beta-ltd\ncompany: {HOSTILE_YAML}\nsource: website\nstatus: new\n"
                 "owner: anna\ncreated: 2026-10-05\n")
    filled.commit()
    return filled


VIEWS = {
    "deal-list": ["deal", "list"],
    "deal-list-markdown": ["deal", "list", "--format", "markdown"],
    "deal-list-csv": ["deal", "list", "--format", "csv"],
    "deal-show": ["deal", "show", "acme-erp"],
    "deal-show-markdown": ["deal", "show", "acme-erp", "--format", "markdown"],
    "account-list": ["account", "list"],
    "account-show": ["account", "show", "acme-oy"],
    "lead-list": ["lead", "list"],
    "lead-show": ["lead", "show", "beta-ltd"],
    "today": ["today", "--on", "2026-12-01"],
    "today-markdown": ["today", "--on", "2026-12-01", "--format", "markdown"],
    "agenda": ["agenda", "acme-erp", "--date", "2026-10-10"],
}


@pytest.mark.parametrize("args", VIEWS.values(), ids=VIEWS.keys())
def test_views_show_control_characters_escaped(hostile: Repo, args: list[str]):
    r = hostile.run(*args)
    assert r.exit_code == 0, r.output
    # a Markdown cell escapes the backslashes too, so GFM shows them as typed
    shown = SHOWN.replace("\\", "\\\\") if "markdown" in args else SHOWN
    assert shown in safe(r.stdout)
    safe(r.stderr)


@pytest.mark.parametrize("title", ["a\\| b", "a | b", "a\\", "\\|\\\\|"])
def test_a_markdown_cell_never_splits(filled: Repo, title: str):
    # GFM splits a row at each `|` not escaped by a backslash, and `\\` is an escaped
    # backslash: a cell is escaped so that neither can make a column
    assert filled.run("deal", "set", "acme-erp", f"title={title}").exit_code == 0
    r = filled.run("deal", "list", "--format", "markdown")
    row = r.stdout.splitlines()[2]
    delimiters = re.findall(r"(?:\\.|[^|\\])*(\|)", row)
    header = r.stdout.splitlines()[0].count("|")
    assert len(delimiters) == header, row


def test_table_cells_escape_tabs_and_newlines_and_keep_their_columns(filled: Repo):
    filled.write(DEAL_FILE, replaced(DEAL, "title: Order-processing automation",
                                     'title: "a\\tb\\nc\\e[1m"'))
    filled.commit()
    lines = filled.run("deal", "list").stdout.splitlines()
    assert len(lines) == 3  # the title stays on its row
    assert lines[2].split()[1] == "a\\tb\\nc\\x1b[1m"
    assert lines[2].index("acme-oy") == lines[0].index("account")  # the columns line up


def test_markdown_cells_escape_pipes(filled: Repo):
    filled.write(DEAL_FILE, replaced(DEAL, "title: Order-processing automation",
                                     'title: "ERP | phase 2"'))
    filled.commit()
    header, rule, row = filled.run("deal", "list", "--format", "markdown").stdout.splitlines()
    columns = len(re.findall(r"(?<!\\)\|", header))
    assert len(re.findall(r"(?<!\\)\|", row)) == columns
    assert "ERP \\| phase 2" in row


def test_the_agendas_item_cells_escape_pipes(filled: Repo):
    filled.write(DEAL_FILE, DEAL + "items:\n  - {name: 'ERP | phase 2', quantity: 2, unit: "
                 "'h|x', unit_price: 10.00, tax_rate: 25.5}\n")
    filled.commit()
    r = filled.run("agenda", "acme-erp")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("| Item |"))
    columns = len(re.findall(r"(?<!\\)\|", lines[header]))
    assert len(re.findall(r"(?<!\\)\|", lines[header + 2])) == columns, lines[header + 2]
    assert "2 h\\|x" in lines[header + 2]


def test_json_keeps_the_values_exact_and_prints_no_control_character(hostile: Repo):
    r = hostile.run("deal", "show", "acme-erp", "--format", "json")
    assert json.loads(safe(r.stdout))["title"] == HOSTILE
    listed = hostile.run("deal", "list", "--format", "json").stdout
    assert json.loads(safe(listed))[0]["next_step"]["action"] == HOSTILE
    assert "\\u009b" in listed  # C1 as a JSON escape, which json.dumps leaves raw


def test_report_rows_are_escaped(filled: Repo):
    filled.write(DEAL_FILE, replaced(DEAL, "status: open", "status: lost")
                 + f"lost_date: 2026-10-20\nlost_reason: {HOSTILE_YAML}\n")
    filled.commit()
    # up to today: the loss is committed today, whatever year that is
    r = filled.run("report", "lost", "--since", "2026-01-01")
    assert r.exit_code == 0, r.output
    assert SHOWN in safe(r.stdout)
    data = json.loads(filled.run("report", "lost", "--since", "2026-01-01",
                                 "--format", "json").stdout)
    assert data["rows"][0]["reason"] == HOSTILE


def test_review_markdown_is_escaped(filled: Repo):
    base = filled.head()
    # the open pipeline table has a row per currency; a currency such as this one is
    # a version `check` rejects, so the review skips it and says so, printing nothing raw
    filled.write(DEAL_FILE, replaced(DEAL, "currency: EUR", f"currency: {HOSTILE_YAML}"))
    filled.commit("currency")
    r = filled.run("review", f"{base}..HEAD")
    assert r.exit_code == 0, r.output
    safe(r.stdout)
    assert "skipped 1 committed record" in safe(r.stderr)
    # the comment itself says so, where the reviewer reads it
    assert ("**1 record file(s) hold a committed version `salescli check` rejects** "
            f"(each counts as its last valid version, if any): `{DEAL_FILE}`") in r.stdout
    payload = json.loads(safe(filled.run("review", f"{base}..HEAD", "--format", "json").stdout))
    assert HOSTILE not in json.dumps(payload, ensure_ascii=False)
    assert payload["skipped"] == [DEAL_FILE]


def test_check_messages_that_echo_a_value_are_escaped(filled: Repo):
    filled.write(DEAL_FILE, replaced(DEAL, "owner: anna", f"owner: {HOSTILE_YAML}"))
    r = filled.run("check")
    assert "is not in the settings' owners" in r.stdout
    assert SHOWN in safe(r.stdout)
    data = json.loads(safe(filled.run("check", "--format", "json").stdout))
    assert any(HOSTILE in d["message"] for d in data["diagnostics"])


def test_an_error_that_echoes_the_argument_is_escaped(filled: Repo):
    r = filled.run("deal", "move", "acme-erp", HOSTILE)
    assert r.exit_code != 0
    assert SHOWN in safe(r.stderr)
    assert r.stderr.startswith("Error: ")


def test_a_warning_that_echoes_a_value_is_escaped(filled: Repo, tmp_path: Path):
    # import reports each bad row on stderr; the stage's --stage-map hint repeats it
    rows = tmp_path / "deals.csv"
    rows.write_text("Name,Customer,Amount,stage,status,close_date,created\n"
                    f"Pilot,Acme Oy,1,{HOSTILE.replace(chr(13), '')},open,2027-01-01,"
                    "2024-05-02\n", encoding="utf-8")
    r = filled.run("import", "csv", str(rows), "--kind", "deal",
                   "--map", "Name=title,Customer=account,Amount=value")
    assert r.exit_code == 1
    assert "--stage-map" in safe(r.stderr)


def test_a_click_usage_error_with_the_value_is_escaped(filled: Repo):
    r = filled.run("deal", "show", "acme-erp", HOSTILE)
    assert r.exit_code == 2
    assert f"Got unexpected extra argument ({SHOWN})" in safe(r.stderr)


# ---------------------------------------------------------------- documents


def test_documents_written_to_files_show_control_characters_escaped(hostile: Repo,
                                                                    tmp_path: Path):
    out = tmp_path / "agenda.md"
    r = hostile.run("agenda", "acme-erp", "--date", "2026-10-10", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert SHOWN in safe(out.read_text(encoding="utf-8"))
    hostile.edit("salescli.yaml",  # the seller a quote prints
                 "company:\n  name: null", f"company:\n  name: {HOSTILE_YAML}")
    hostile.commit()
    for fmt in ("md", "html"):
        r = hostile.run("quote", "acme-erp", "--format", fmt)
        assert r.exit_code == 0, r.output
    quotes = sorted((hostile.root / "quotes" / "acme-erp").iterdir())
    assert sorted(q.suffix for q in quotes) == [".html", ".md"]
    for q in quotes:
        assert SHOWN in safe(q.read_text(encoding="utf-8")), q.name


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200b", "\ufeff"])
def test_invisible_characters_that_reorder_or_hide_text_are_shown(filled: Repo, char: str):
    assert filled.run("deal", "set", "acme-erp", f"title=pay{char}lanigiro").exit_code == 0
    escape = f"\\u{ord(char):04x}"
    for args in (["deal", "list"], ["deal", "show", "acme-erp"]):
        r = filled.run(*args)
        assert f"pay{escape}lanigiro" in r.stdout and char not in r.stdout, r.stdout
    shown = json.loads(filled.run("deal", "show", "acme-erp", "--format", "json").stdout)
    assert shown["title"] == f"pay{char}lanigiro"


def test_joiners_in_emoji_and_scripts_are_kept(filled: Repo):
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert filled.run("deal", "set", "acme-erp", f"title=Team {family}").exit_code == 0
    assert family in filled.run("deal", "list").stdout


def test_a_locale_without_euro_or_a_closed_stdout_is_no_traceback(filled: Repo):
    # latin-1 has no € nor box lines: a pipe gets UTF-8 (the records' encoding); a
    # closed stdout is /dev/null, as for git
    import os
    import subprocess
    import sys

    def run(*args: str, **kw: object) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "salescli", "-C", str(filled.root),
                               *args], capture_output=True, timeout=120, **kw)

    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    for args in (("deal", "list"), ("board",), ("today", "--on", "2026-11-25")):
        r = run(*args, env=env)
        assert r.returncode == 0 and b"Traceback" not in r.stderr, (args, r.stderr)
    assert "€48,000.00" in run("deal", "list", env=env).stdout.decode("utf-8")
    for args in (("today",), ("check",), ("report", "funnel")):
        r = subprocess.run([sys.executable, "-m", "salescli", "-C", str(filled.root), *args],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
                           preexec_fn=lambda: os.close(1))
        assert r.returncode == 0 and b"Traceback" not in r.stderr, (args, r.stderr)


def test_ctrl_c_while_the_commands_load_is_aborted_not_a_traceback(filled: Repo):
    """An interrupt in the first tens of milliseconds, while Python imports the commands
    (click, here), ends as one later does under click: `Aborted!`, exit 1."""
    import subprocess
    import sys

    code = ("import sys\n"
            "class Interrupt:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'click':\n"
            "            raise KeyboardInterrupt\n"
            "sys.meta_path.insert(0, Interrupt())\n"
            "sys.argv = ['salescli', 'deal', 'list']\n"
            "import runpy; runpy.run_module('salescli', run_name='__main__')\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=filled.root, capture_output=True,
                       text=True, timeout=120)
    assert (r.returncode, r.stderr, r.stdout) == (1, "\nAborted!\n", ""), r.stderr


def test_ctrl_c_while_files_are_read_on_every_core_is_left_to_the_command(
        monkeypatch: pytest.MonkeyPatch):
    """Ctrl-C reaches the whole process group: the workers that parse files in
    parallel ignore it, so the command alone says `Aborted!`, not each worker with a
    traceback."""
    import signal

    from salescli.store import runtime

    monkeypatch.setattr(runtime.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    jobs = [("deal", [f"deals/{n}.yaml" for n in range(runtime.PARALLEL_FROM)])]
    with runtime.chunked(lambda kind, paths: (os.getpid(), signal.getsignal(signal.SIGINT)),
                         jobs) as results:
        answers = list(results)
    assert answers and all(pid != os.getpid() and handler == signal.SIG_IGN
                           for pid, handler in answers), answers


def test_ctrl_c_that_stops_git_fast_import_is_an_interrupt(repo: Repo):
    """Ctrl-C reaches `git fast-import` (the demo's and an import's history) with the
    command: it is the command's interrupt (`Aborted!`), not `fast-import failed: -2`."""
    import signal

    from salescli.store.gitio import FastImport

    out = FastImport(repo.root)
    out._proc.send_signal(signal.SIGINT)
    out._proc.wait()
    with pytest.raises(KeyboardInterrupt):
        out.close()
    assert repo.git("status", "--short") == ""


def test_show_prints_a_records_notes_terminal_safe(filled: Repo):
    # the founder's own words on the record, before the call: multi-line, as written
    from conftest import beta_lead

    beta_lead(filled)
    filled.commit("a lead")
    for kind, record_id in (("deal", "acme-erp"), ("lead", "beta-ltd"), ("account", "acme-oy")):
        r = filled.run(kind, "set", record_id, "notes=Budget owner is the CFO.\n"
                       "Call in \x1b[2JJanuary.")
        assert r.exit_code == 0, r.output
        shown = filled.run(kind, "show", record_id).stdout
        assert "\nNotes\nBudget owner is the CFO.\nCall in \\x1b[2JJanuary.\n" in shown, shown
