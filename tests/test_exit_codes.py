"""One situation, one exit code and one error line, whatever the command (README, "Exit codes").

Each table row is a command in a situation; the test pins its exit code and its one
stderr line, and that nothing was written or committed (conftest's `refused`).

    usage (2)        a malformed ID, date or amount; a stage or pipeline that does not
                     exist; a filter value (owner, source, account) the repository does
                     not know; a command that does not exist; an --out that exists
                     (without --force) or whose folder does not
    not found (1)    a record, or a part of one, that does not exist
    refused (1)      a rule or validation says no: here, a file with uncommitted changes
    environment (1)  the repository is locked (git's index.lock, salescli's own lock)
"""

from __future__ import annotations

import re
import sys

import pytest
from conftest import SOON
from conftest import Repo
from conftest import bad_id
from conftest import beta_lead
from conftest import deal_with
from conftest import in_stage
from conftest import not_found
from conftest import refused

from salescli.core.dates import HELP as DATE_HELP
from salescli.store.gitio import RepoLock

DEAL_FILE = "deals/2026-10/acme-erp.yaml"
STAGES = "; choose one of: needs-analysis, proposal, negotiation, contracting"

LOST = deal_with(id="acme-old", title="Old deal", stage="proposal", status="lost",
                 value="1000.00", close_date="2026-10-20", source=None, stakeholders=None,
                 lost_date="2026-10-15", lost_reason="budget")


@pytest.fixture
def crm(filled: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """An open deal, a lost one and a lead; --out paths are relative to the repository."""
    filled.write("deals/2026-10/acme-old.yaml", LOST)
    beta_lead(filled, status="contacted")
    filled.write("deals.csv", "Title,Value\nX,1\n")
    filled.commit("more data")
    monkeypatch.chdir(filled.root)
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c pass")
    return filled


# ------------------------------------------------------------------ records by ID

def _by_id(record: str) -> list[tuple[str, list[str]]]:
    """(kind, command) of every command that takes the ID of a record."""
    return [
        ("deal", ["deal", "show", record]),
        ("deal", ["deal", "set", record, "value=1"]),
        ("deal", ["deal", "edit", record]),
        ("deal", ["deal", "advance", record]),
        ("deal", ["deal", "move", record, "proposal"]),
        ("deal", ["deal", "win", record]),
        ("deal", ["deal", "lose", record, "--reason", "budget"]),
        ("deal", ["deal", "reopen", record, "--reason", "Budget back"]),
        ("deal", ["deal", "stakeholder", record, "matti-virtanen"]),
        ("deal", ["deal", "item", "add", record, "--name", "Work", "--unit-price", "1"]),
        ("deal", ["deal", "item", "remove", record, "1"]),
        ("deal", ["quote", record]),
        ("deal", ["quote", record, "--dry-run"]),
        ("deal", ["agenda", record]),
        ("lead", ["lead", "show", record]),
        ("lead", ["lead", "set", record, "company=X"]),
        ("lead", ["lead", "edit", record]),
        ("lead", ["lead", "contact", record]),
        ("lead", ["lead", "qualify", record]),
        ("lead", ["lead", "disqualify", record, "--reason", "no-need"]),
        ("lead", ["lead", "convert", record, "--no-deal"]),
        ("account", ["account", "show", record]),
        ("account", ["account", "set", record, "industry=x"]),
        ("account", ["account", "edit", record]),
        ("account", ["contact", "add", record, "Sara Beta"]),
        ("account", ["contact", "set", record, "matti-virtanen", "title=CEO"]),
        ("account", ["deal", "add", "X", "--account", record, "--close-date", "2027-01-01"]),
        ("account", ["lead", "convert", "beta-ltd", "--account", record, "--no-deal"]),
        ("record", ["log", "call", record, "Intro"]),
        ("record", ["render", "order-confirmation", record]),
    ]


@pytest.mark.parametrize("kind,args", _by_id("nope"), ids=lambda v: " ".join(v)
                         if isinstance(v, list) else v)
def test_unknown_id_is_not_found(crm: Repo, kind: str, args: list[str]):
    refused(crm, args, 1, not_found(kind, "nope"))


@pytest.mark.parametrize("kind,args", _by_id("Bad_ID"), ids=lambda v: " ".join(v)
                         if isinstance(v, list) else v)
def test_invalid_id_is_a_usage_error(crm: Repo, kind: str, args: list[str]):
    refused(crm, args, 2, bad_id(kind, "Bad_ID"))


def test_a_missing_part_of_a_record_is_not_found(crm: Repo):
    refused(crm, ["deal", "item", "remove", "acme-erp", "3"], 1,
            "acme-erp has no item '3'; see `salescli deal show acme-erp` for the numbers")
    refused(crm, ["deal", "stakeholder", "acme-old", "matti-virtanen", "--remove"], 1,
            "matti-virtanen is not a stakeholder of acme-old")
    refused(crm, ["contact", "set", "acme-oy", "nobody", "title=CEO"], 1,
            "no contact `nobody` in account acme-oy; see `salescli account show acme-oy`")


# --------------------------------------------------------- stages and pipelines

ADD = ["deal", "add", "X", "--account", "acme-oy", "--close-date", SOON]
CONVERT = ["lead", "convert", "beta-ltd", "--close-date", SOON]
REPORTS = ["funnel", "forecast", "cycle", "lost", "slips", "sources", "velocity", "changes",
           "activity"]


@pytest.mark.parametrize("args,message", [
    ([*ADD, "--stage", "nowhere"],
     f"cannot add the deal in `nowhere`: no stage `nowhere` in pipeline `default`{STAGES}"),
    (["deal", "move", "acme-erp", "nowhere"],
     f"cannot move acme-erp to `nowhere`: no stage `nowhere` in pipeline `default`{STAGES}"),
    (["deal", "reopen", "acme-old", "--reason", "Budget back", "--stage", "nowhere"],
     f"cannot reopen acme-old into `nowhere`: no stage `nowhere` in pipeline `default`"
     f"{STAGES}"),
    ([*CONVERT, "--stage", "nowhere"],
     f"cannot convert beta-ltd with a deal in `nowhere`: no stage `nowhere` in pipeline "
     f"`default`{STAGES}"),
    (["deal", "list", "--stage", "nowhere"],
     "--stage: no stage `nowhere` in any pipeline; choose one of: needs-analysis, proposal, "
     "negotiation, contracting"),
], ids=lambda v: " ".join(v[:3]) if isinstance(v, list) else None)
def test_unknown_stage_is_a_usage_error(crm: Repo, args: list[str], message: str):
    refused(crm, args, 2, message)


NO_PIPELINE = "--pipeline: no pipeline `nope` in pipelines/; choose one of: default"


@pytest.mark.parametrize("args", [
    [*ADD, "--pipeline", "nope"],
    [*CONVERT, "--pipeline", "nope"],
    ["deal", "list", "--pipeline", "nope"],
    *(["report", name, "--pipeline", "nope"] for name in REPORTS),
    ["report", "dashboard", "--out", "board.html", "--pipeline", "nope"],
    ["import", "csv", "deals.csv", "--kind", "deal", "--pipeline", "nope"],
    ["import", "pipedrive", "--deals", "deals.csv", "--pipeline", "nope"],
], ids=" ".join)
def test_unknown_pipeline_is_a_usage_error(crm: Repo, args: list[str]):
    refused(crm, args, 2, NO_PIPELINE)


NO_SOURCE = ("--source: no source `nowhere`; sources: website, referral, linkedin, event, "
             "outbound, partner, inbound")


@pytest.mark.parametrize("args,message", [
    (["deal", "list", "--owner", "nobody"], "--owner: no owner `nobody`; owners: anna"),
    (["today", "--owner", "nobody"], "--owner: no owner `nobody`; owners: anna"),
    (["lead", "list", "--source", "nowhere"], NO_SOURCE),
    (["report", "funnel", "--source", "nowhere"], NO_SOURCE),
    (["deal", "list", "--account", "nope"], "--account: no account `nope`; accounts: acme-oy"),
    (["deals", "list"], "no command `deals` (did you mean `deal`?)"),
    (["deal", "advnce", "acme-erp"],
     "no command `advnce` in `salescli deal` (did you mean `advance`?)"),
], ids=lambda v: " ".join(v[:3]) if isinstance(v, list) else None)
def test_an_unknown_filter_value_or_command_is_a_usage_error(crm: Repo, args: list[str],
                                                              message: str):
    refused(crm, args, 2, message)


def test_a_malformed_pipeline_name_is_a_usage_error(crm: Repo):
    refused(crm, ["deal", "list", "--pipeline", "../x"], 2, bad_id("pipeline", "../x"))


# ------------------------------------------------------------ dates and money

@pytest.mark.parametrize("args,option", [
    ([*ADD, "--date", "31.12.2026"], "--date"),
    (["deal", "add", "X", "--account", "acme-oy", "--close-date", "31.12.2026"],
     "--close-date"),
    (["deal", "set", "acme-erp", "value=1", "--date", "31.12.2026"], "--date"),
    (["deal", "advance", "acme-erp", "--date", "31.12.2026"], "--date"),
    (["deal", "win", "acme-erp", "--date", "31.12.2026"], "--date"),
    (["deal", "lose", "acme-erp", "--reason", "budget", "--revisit", "31.12.2026"],
     "--revisit"),
    (["lead", "add", "Gamma", "--date", "31.12.2026"], "--date"),
    ([*CONVERT[:3], "--close-date", "31.12.2026"], "--close-date"),
    (["account", "add", "Gamma", "--date", "31.12.2026"], "--date"),
    (["log", "call", "acme-erp", "Intro", "--date", "31.12.2026"], "--date"),
    (["quote", "acme-erp", "--date", "31.12.2026"], "--date"),
    (["agenda", "acme-erp", "--date", "31.12.2026"], "--date"),
    (["render", "order-confirmation", "acme-erp", "--date", "31.12.2026"], "--date"),
    (["today", "--on", "31.12.2026"], "--on"),
    (["stale", "--on", "31.12.2026"], "--on"),
    (["report", "funnel", "--since", "31.12.2026"], "--since"),
    (["report", "forecast", "--until", "31.12.2026"], "--until"),
    (["report", "dashboard", "--out", "board.html", "--since", "31.12.2026"], "--since"),
    (["import", "pipedrive", "--deals", "deals.csv", "--default-close-date", "31.12.2026"],
     "--default-close-date"),
    (["demo", "new-demo", "--end", "31.12.2026"], "--end"),
], ids=lambda v: " ".join(v[:3]) if isinstance(v, list) else v)
def test_bad_date_is_a_usage_error(crm: Repo, args: list[str], option: str):
    refused(crm, args, 2, f'invalid {option} "31.12.2026": use {DATE_HELP}')


def test_bad_as_of_is_a_usage_error(crm: Repo):
    refused(crm, ["report", "funnel", "--as-of", "2026-13-01"], 2,
            f'invalid --as-of "2026-13-01": use {DATE_HELP}')


def test_an_empty_moment_or_range_is_a_usage_error(crm: Repo):
    """`--as-of ""` and `review ""` (a script's unset variable) are no moment and no
    range, not now and not HEAD."""
    refused(crm, ["report", "funnel", "--as-of", ""], 2,
            '--as-of: "" is neither a date (YYYY-MM-DD, last-month, 30d...) nor a known '
            "revision")
    refused(crm, ["review", ""], 2, "empty range: use A..B, A...B or A (as A..HEAD)")


def _bad(kind: str) -> str:
    return bad_id(kind, "")


@pytest.mark.parametrize("args,message", [
    ([*ADD, "--id", ""], _bad("deal")),
    (["account", "add", "Gamma", "--id", ""], _bad("account")),
    (["contact", "add", "acme-oy", "Pia", "--id", ""], _bad("contact")),
    ([*CONVERT, "--account", ""], _bad("account")),
    ([*ADD, "--stage", ""], "cannot add the deal in ``: no stage `` in pipeline `default`"
     + STAGES),
    ([*CONVERT, "--title", ""], "the deal title is empty; give the deal a title"),
    (["task", "add", "acme-erp", "Call", "--due", SOON, "--owner", ""],
     "unknown owner ''; choose one of: anna (settings in salescli.yaml)"),
    # an empty folder is not this one: `init ""` made a repository of the current folder
    (["init", ""], "Invalid value for '[DIRECTORY]': empty; give a folder (`.` is this "
     "one) (see `salescli init --help`)"),
    (["demo", ""], "Invalid value for '[DIRECTORY]': empty; give a folder (`.` is this "
     "one) (see `salescli demo --help`)"),
    (["-C", "", "deal", "list"], "Invalid value for '-C' / '--repo': empty; give a folder "
     "(`.` is this one) (see `salescli --help`)"),
    (["task", "list", ""], bad_id("record", "")),
], ids=lambda v: " ".join(v[:2] + v[-2:]) if isinstance(v, list) else None)
def test_an_empty_option_value_is_refused_not_taken_as_unset(crm: Repo, args: list[str],
                                                             message: str):
    """`--id ""` (a script's unset variable) is no ID: refused, as `--out ""` is, not
    quietly the default."""
    refused(crm, args, 2, message)


@pytest.mark.parametrize("args,what", [
    (["deal", "add", "X", "--account", "acme-oy", "--close-date", "2027-01-01",
      "--value", "lots"], "--value"),
    (["deal", "set", "acme-erp", "value=lots"], "value"),
    (["deal", "item", "add", "acme-erp", "--name", "Work", "--unit-price", "lots"],
     "--unit-price"),
    ([*CONVERT, "--value", "lots"], "--value"),
], ids=lambda v: " ".join(v[:3]) if isinstance(v, list) else v)
def test_bad_money_is_a_usage_error(crm: Repo, args: list[str], what: str):
    refused(crm, args, 2,
            f"{what}: 'lots' is not an amount of money; use digits such as 48000 or 48000.50")


UNCHANGED = "; nothing was changed"


@pytest.mark.parametrize("args,message", [
    (["deal", "set", "acme-erp", "currency=eur"],
     "currency: 'eur' is not a 3-letter currency code such as EUR" + UNCHANGED),
    (["deal", "set", "acme-erp", "account=../x"],
     "account: '../x' is not a valid ID (a-z, 0-9 and '-', at most 64 characters)" + UNCHANGED),
    (["deal", "set", "acme-erp", "probability=150"],
     "probability: should be less than or equal to 100" + UNCHANGED),
    (["deal", "set", "acme-erp", "title="], "cannot clear `title`: a deal must have one"),
    (["lead", "set", "beta-ltd", "created=2099-01-01"],
     "created 2099-01-01 is ahead of today: a record is created on a day that has come"),
    (["lead", "set", "beta-ltd", "company="], "cannot clear `company`: a lead must have one"),
    (["account", "set", "acme-oy", "language=de"],
     "language: should be 'en', 'fi' or 'sv'" + UNCHANGED),
    (["contact", "set", "acme-oy", "matti-virtanen", "role=bogus"],
     "role: should be 'economic-buyer', 'decision-maker', 'technical-evaluator', 'champion', "
     "'end-user', 'approver', 'influencer' or 'other'" + UNCHANGED),
    (["deal", "item", "add", "acme-erp", "--name", "Work", "--unit-price", "5", "--discount",
      "150"], "--discount: should be less than or equal to 100" + UNCHANGED),
    (["deal", "item", "add", "acme-erp", "--name", "Work", "--unit-price", "5", "--cycles",
      "99999999999999999999"], "--cycles: should be less than or equal to 999999999999"
     + UNCHANGED),
    # check's words for a value the settings refuse: they name the field themselves
    (["deal", "set", "acme-erp", "currency=XYZ"],
     "currency: `XYZ` is not an ISO 4217 currency code" + UNCHANGED),
    (["deal", "set", "acme-old", "lost_reason=nope"],
     "lost_reason `nope` is not one of the settings' lost_reasons: price, budget, timing, "
     "no-need, competitor, no-response, requirements, other" + UNCHANGED),
    (["contact", "set", "acme-oy", "matti-virtanen", "reports_to=Acme"], bad_id("contact", "Acme")),
], ids=lambda v: " ".join(v[:4]) if isinstance(v, list) else None)
def test_a_set_value_its_field_refuses_is_a_usage_error(crm: Repo, args: list[str],
                                                        message: str):
    """`set FIELD=VALUE` is the command line as much as an option is: a value of the
    wrong shape gets 2, as `--currency eur` does, named as typed (no file was written);
    so does an option whose value only the record's schema refuses, and clearing a
    field a record must have."""
    refused(crm, args, 2, message)


@pytest.mark.parametrize("option,value,message", [
    ("--quantity", "1e400", "1e400 is too large; a number is below 1,000,000,000,000"),
    ("--discount", "1e-400", "1e-400 has too many digits; a number is written with at most 100"),
    ("--tax-rate", "1e400", "1e400 is too large; a number is below 1,000,000,000,000"),
])
def test_an_item_number_no_file_could_hold_is_a_usage_error(crm: Repo, option: str,
                                                             value: str, message: str):
    refused(crm, ["deal", "item", "add", "acme-erp", "--name", "Work", "--unit-price", "5",
                  option, value], 2, f"{option}: {message}")


@pytest.mark.parametrize("args,message", [
    (["deal", "show"], "Missing argument 'DEAL' (see `salescli deal show --help`)"),
    (["deal", "show", "acme-erp", "more"],
     "Got unexpected extra argument (more) (see `salescli deal show --help`)"),
    (["deal", "list", "--status", "closed"], "Invalid value for '--status': 'closed' is not "
     "one of 'open', 'won', 'lost', 'all' (see `salescli deal list --help`)"),
    (["deal", "list", "--frmat", "json"],
     "No such option '--frmat'. Did you mean '--format'? (see `salescli deal list --help`)"),
    (["--nope", "deal", "list"], "No such option '--nope' (see `salescli --help`)"),
], ids=lambda v: " ".join(v[:3]) if isinstance(v, list) else None)
def test_clicks_own_usage_errors_are_one_line_too(crm: Repo, args: list[str], message: str):
    # not click's usage block above the error: a script reads the first line
    refused(crm, args, 2, message)


def test_a_group_without_its_command_shows_its_help(crm: Repo):
    r = crm.run("deal")  # (as click shows it: on stderr, exit 2)
    assert r.exit_code == 2
    assert re.match(r"Usage: \S+ deal \[OPTIONS\] COMMAND \[ARGS\]...\n\n  Deals ", r.stderr)


def test_an_error_is_one_line_whatever_it_echoes(crm: Repo):
    refused(crm, ["deal", "tick", "acme-erp", "a\nb"], 1,
            "cannot tick acme-erp: no item `a\\nb` in the checklist of `needs-analysis`; "
            "items: 1. Goals and constraints known; 2. Budget and selection criteria known; "
            "3. Decision makers and buying process known")


@pytest.mark.parametrize("args", [
    [*ADD, "--currency", "XYZ"],
    ["import", "pipedrive", "--deals", "deals.csv", "--currency", "XYZ"],
], ids=lambda v: " ".join(v[:2]))
def test_a_currency_not_in_iso_4217_is_a_usage_error(crm: Repo, args: list[str]):
    """Checked as the option's value, not as the new deal's finding (exit 1, naming a
    file never written)."""
    refused(crm, args, 2, "--currency XYZ: not an ISO 4217 currency code")


def test_an_item_off_the_price_list_without_its_price_is_a_usage_error(crm: Repo):
    refused(crm, ["deal", "item", "add", "acme-erp", "--name", "Work"], 2,
            "--name Work: an item not on the price list needs its --unit-price")


# -------------------------------------------------------------------------- --out

OUTS = [
    ["agenda", "acme-erp", "--out"],
    ["render", "order-confirmation", "acme-erp", "--out"],
    ["report", "dashboard", "--out"],
    ["export", "--format", "sqlite", "--out"],
    ["export", "--format", "csv", "--out"],
    ["export", "--format", "jsonl", "--out"],
]


@pytest.mark.parametrize("args", OUTS, ids=" ".join)
def test_out_in_a_missing_folder_is_a_usage_error(crm: Repo, args: list[str]):
    refused(crm, [*args, "no-such-folder/out"], 2,
            "--out no-such-folder/out: no folder no-such-folder; create it first or choose "
            "another path")
    assert not (crm.root / "no-such-folder").exists()


@pytest.mark.parametrize("args", [*OUTS, ["calendar", "--out"]], ids=" ".join)
def test_an_empty_out_is_a_usage_error(crm: Repo, args: list[str]):
    """`--out ""` (a script's unset variable) is no file and not standard output (which
    `export`, writing files, does not offer)."""
    dash = "" if args[0] == "export" else " (or - for standard output)"
    refused(crm, [*args, ""], 2, f"--out: empty; give a file name{dash}")


@pytest.mark.parametrize("args", OUTS[:4], ids=" ".join)
def test_an_existing_out_file_needs_force(crm: Repo, args: list[str]):
    (crm.root / "out.txt").write_text("mine\n")
    refused(crm, [*args, "out.txt"], 2, "--out out.txt: exists; use --force to overwrite it")
    r = crm.run(*args, "out.txt", "--force")
    assert r.exit_code == 0, r.output
    assert (crm.root / "out.txt").read_bytes() != b"mine\n"


@pytest.mark.parametrize("args,start", [
    (OUTS[0], "# Meeting agenda"), (OUTS[1], "# Order confirmation"),
    (OUTS[2], "<!doctype html>"), (["calendar", "--out"], "BEGIN:VCALENDAR\r\n"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_out_dash_is_standard_output(crm: Repo, args: list[str], start: str):
    # as for git and curl: a file named `-` was written into the repository
    before = crm.state()
    r = crm.run(*args, "-")
    assert r.exit_code == 0 and start.encode() in r.stdout_bytes[:200], r.output[:200]
    assert crm.state() == before and not (crm.root / "-").exists()


@pytest.mark.parametrize("fmt", ["sqlite", "csv", "jsonl"])
def test_export_to_dash_is_refused(crm: Repo, fmt: str):
    refused(crm, ["export", "--format", fmt, "--out", "-"], 2,
            "--out -: export writes files (a folder of tables, or a database file); give a "
            "path")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_existing_out_table_needs_force(crm: Repo, fmt: str):
    (crm.root / "tables").mkdir()
    (crm.root / "tables" / f"deals.{fmt}").write_text("mine\n")
    refused(crm, ["export", "--format", fmt, "--out", "tables"], 2,
            f"--out tables: already has deals.{fmt}; use --force to overwrite the table files")


# --------------------------------------------------- the repository's own state

CHANGES = [
    ["deal", "set", "acme-erp", "value=1"],
    ["deal", "win", "acme-erp"],
    ["deal", "lose", "acme-erp", "--reason", "budget"],
    ["deal", "item", "add", "acme-erp", "--name", "Work", "--unit-price", "1"],
    ["log", "call", "acme-erp", "Intro"],
]


@pytest.mark.parametrize("args", [*CHANGES, ["deal", "advance", "acme-erp"],
                                  ["quote", "acme-erp"]], ids=" ".join)
def test_a_dirty_file_is_refused(crm: Repo, args: list[str]):
    path = crm.root / DEAL_FILE
    path.write_text(path.read_text() + "# my note\n")
    refused(crm, args, 1, f"{DEAL_FILE}: has uncommitted changes; commit or discard them "
                          f"first (git diff HEAD -- {DEAL_FILE})")


@pytest.mark.parametrize("args", CHANGES, ids=" ".join)
def test_a_held_index_lock_is_an_environment_error(crm: Repo, args: list[str]):
    in_stage(crm, DEAL_FILE, "contracting")  # where `deal win` may win it
    lock = crm.root / ".git" / "index.lock"
    lock.write_text("")
    refused(crm, args, 1, f"commit failed, nothing changed: fatal: Unable to create "
                          f"'{lock}': File exists. Another git process seems to be running "
                          "in this repository; if none is (one crashed), remove that file "
                          "and try again")
    assert lock.exists()  # git's lock is git's to remove


@pytest.mark.parametrize("args", [*CHANGES, ["import", "csv", "deals.csv", "--kind", "deal"]],
                         ids=" ".join)
def test_salescli_lock_held_is_an_environment_error(crm: Repo, args: list[str],
                                                     monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SALESCLI_LOCK_TIMEOUT", "0.1")
    with RepoLock(crm.repo.git_dir, timeout=0):
        refused(crm, args, 1, "another salescli command is changing this repository "
                              f"({crm.repo.git_dir / 'salescli.lock'} held for 0.1s); "
                              "try again when it ends")


def test_a_reader_that_leaves_early_fails_the_pipeline(crm: Repo):
    # output longer than a pipe holds, cut short by its reader (`| head -c 1`): exit 1,
    # nothing said, however the output is written (one long JSON text too)
    import subprocess

    crm.edit(DEAL_FILE, "status: open", "status: open\nnotes: " + "x" * 300_000)
    crm.commit("long notes")
    proc = subprocess.Popen([sys.executable, "-m", "salescli", "-C", str(crm.root), "deal",
                             "list", "--format", "json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.read(1) == b"["
    proc.stdout.close()
    assert proc.wait(timeout=120) == 1
    assert proc.stderr is not None
    with proc.stderr:
        assert proc.stderr.read() == b""


def test_output_that_cannot_all_be_written_fails_the_command(crm: Repo):
    # a feed written whole at the end, to a full disk (Linux's /dev/full): one line,
    # exit 1, never exit 0
    import os
    import subprocess

    with open("/dev/full", "wb") as full:
        proc = subprocess.run([sys.executable, "-m", "salescli", "-C", str(crm.root),
                               "calendar", "--out", "-"], stdout=full, stderr=subprocess.PIPE,
                              env={k: v for k, v in os.environ.items()
                                   if k != "PYTHONUNBUFFERED"})
    assert proc.returncode == 1
    assert proc.stderr.decode().strip() == "Error: No space left on device"
