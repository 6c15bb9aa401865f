"""`salescli import pipedrive|csv`: exports become records with backdated history."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import Repo
from conftest import refused
from conftest import replaced

from salescli.core.cells import parse_amount
from salescli.services.importer import Dates
from salescli.services.importer import Names
from salescli.services.importer import lost_reason
from salescli.services.importer import norm_header
from salescli.store.yamlio import load_fast

# Pipedrive's own export layout: "Deal - X" headers, UTC timestamps, several
# currencies, UTF-8 names; every status, several stages and lost reasons.
DEALS = """\
Deal - ID,Deal - Title,Deal - Value,Deal - Currency,Deal - Stage,Deal - Status,\
Deal - Organization,Deal - Contact person,Deal - Expected close date,Deal - Lost reason,\
Deal - Owner,Deal - Deal created,Deal - Won time,Deal - Lost time,Deal - Pipeline
1,ERP integration,48000.50,EUR,Needs analysis,Open,Äänekoski Oy,Matti Virtanen,2025-03-31,,\
Anna Lindholm,2024-11-04 09:15:00,,,Sales
2,Warehouse pilot,12000,EUR,Proposal,open,Acme Oy,Sara Beta,2025-02-28,,Ville Korpela,\
2024-11-10 10:00:00,,,Sales
3,Data platform,30500.75,USD,Negotiation,Open,Globex Inc,,2025-04-15,,Anna Lindholm,\
2024-10-20 12:30:00,,,Sales
4,Customer portal,9999.99,EUR,Contracting,Open,Initech Ltd,Liisa Koski,2025-01-31,,\
Ville Korpela,2024-09-02 08:00:00,,,Sales
5,Field service app,8000,EUR,Qualified,Open,Äänekoski Oy,,2025-05-31,,Anna Lindholm,\
2024-12-01 13:45:00,,,Sales
6,Reporting dashboard,15000,EUR,Contracting,Won,Acme Oy,Sara Beta,2024-12-31,,Anna Lindholm,\
2024-08-05 09:00:00,2024-12-15 14:00:00,,Sales
7,Analytics add-on,22000.25,USD,Negotiation,Won,Globex Inc,,,,Ville Korpela,\
2024-07-01 11:00:00,2024-10-30 16:20:00,,Sales
8,Training programme,5000,EUR,Proposal,won,Initech Ltd,,2024-11-30,,Anna Lindholm,\
2024-09-15 10:00:00,2024-11-20 09:30:00,,Sales
9,Support renewal,7300,EUR,Contracting,Won,Äänekoski Oy,Matti Virtanen,,,Anna Lindholm,\
2024-06-10 08:30:00,2024-07-01 12:00:00,,Sales
10,Invoice automation,18000,EUR,Proposal,Lost,Acme Oy,,2024-10-31,Price,Ville Korpela,\
2024-06-20 10:00:00,,2024-09-12 15:00:00,Sales
11,Route optimisation,26000,EUR,Negotiation,Lost,Globex Inc,,,Went with a competitor,\
Anna Lindholm,2024-05-02 09:00:00,,2024-08-30 11:00:00,Sales
12,Inventory forecasting,11000.10,USD,Needs analysis,Lost,Initech Ltd,,,Budget frozen,\
Ville Korpela,2024-07-15 10:00:00,,2024-08-01 10:00:00,Sales
13,Mobile sales tool,4000,EUR,Needs analysis,Lost,Äänekoski Oy,,,Bad chemistry,\
Anna Lindholm,2024-08-20 10:00:00,,2024-09-30 10:00:00,Sales
14,Quality tracking,6500,EUR,Proposal,Lost,Acme Oy,,,,Anna Lindholm,2024-09-01 10:00:00,,\
2024-10-01 10:00:00,Sales
15,Second site rollout,14250.50,USD,Proposal,Open,Globex Inc,,2025-03-15,,Anna Lindholm,\
2024-11-20 15:00:00,,,Sales
16,Old test deal,1,EUR,Proposal,Deleted,Acme Oy,,,,Anna Lindholm,2024-01-01 10:00:00,,,Sales
"""

ORGANIZATIONS = """\
Organization - Name,Organization - Owner,Organization - Add time,Organization - Website
Äänekoski Oy,Anna Lindholm,2024-05-01 08:00:00,https://www.aanekoski.example
Acme Oy,Ville Korpela,2024-04-15 09:00:00,acme.example
Globex Inc,Anna Lindholm,2024-04-20 09:00:00,
Initech Ltd,Ville Korpela,2024-06-01 09:00:00,initech.example
Umbrella GmbH,Anna Lindholm,2024-10-05 12:00:00,umbrella.example
"""

PERSONS = """\
Person - Name,Person - Organization,Person - Email,Person - Phone,Person - Job title,\
Person - Add time
Matti Virtanen,Äänekoski Oy,"matti@aanekoski.example, matti.v@example.com",+358 40 123 4567,\
CFO,2024-05-02 10:00:00
Sara Beta,Acme Oy,sara@acme.example,,COO,2024-04-16 10:00:00
Lone Person,,lone@example.com,,,2024-05-05 10:00:00
"""

STAGE_MAP = "Qualified=needs-analysis"
STATUSES = {"open": 6, "won": 4, "lost": 5}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def pilot_and_rollout(folder: Path, column: str, pilot: str, rollout: str,
                      organization: str = "Beta Ltd") -> Path:
    """deals.csv in `folder`: the open deals Pilot (created 2025-01-02) and Rollout
    (2025-01-03) of `organization`, in Proposal and closing 2025-06-30, and a column
    `column` that is `pilot` for one and `rollout` for the other."""
    return write(folder, "deals.csv", (
        f"Deal - Title,Deal - Stage,Deal - Status,Deal - Organization,{column},"
        "Deal - Deal created,Deal - Expected close date\n"
        f"Pilot,Proposal,open,{organization},{pilot},2025-01-02,2025-06-30\n"
        f"Rollout,Proposal,open,{organization},{rollout},2025-01-03,2025-06-30\n"))


@pytest.fixture
def export(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "export"
    folder.mkdir()
    return {"deals": write(folder, "deals.csv", DEALS),
            "organizations": write(folder, "organizations.csv", ORGANIZATIONS),
            "persons": write(folder, "persons.csv", PERSONS)}


def refused_rows(repo: Repo, rows: Path, kind: str) -> str:
    """`import csv ROWS --kind KIND`, which must fail and commit nothing; what it said."""
    head = repo.head()
    result = repo.run("import", "csv", str(rows), "--kind", kind)
    assert result.exit_code == 1 and repo.head() == head
    return result.output


def import_deals(repo: Repo, deals: Path, *extra: str, code: int = 0):
    """`import pipedrive --deals DEALS EXTRA`, which must exit `code`; its result."""
    result = repo.run("import", "pipedrive", "--deals", str(deals), *extra)
    assert result.exit_code == code, result.output
    return result


def run_import(repo: Repo, export: dict[str, Path], *extra: str):
    return repo.run("import", "pipedrive", "--deals", str(export["deals"]),
                    "--organizations", str(export["organizations"]),
                    "--persons", str(export["persons"]), "--stage-map", STAGE_MAP, *extra)


def records(repo: Repo, folder: str) -> dict[str, dict]:
    return {p.stem: load_fast(p.read_text("utf-8"))
            for p in sorted((repo.root / folder).glob("*/*.yaml"))}


@pytest.fixture
def imported(repo: Repo, export: dict[str, Path]) -> Repo:
    result = run_import(repo, export)
    assert result.exit_code == 0, result.output
    return repo


# ------------------------------------------------------------------- the import


def test_counts_statuses_values_and_dates_are_reproduced(imported: Repo):
    deals = records(imported, "deals")
    assert len(deals) == 15  # the deleted deal is skipped
    by_status = {s: sum(d["status"] == s for d in deals.values()) for s in STATUSES}
    assert by_status == STATUSES
    erp = deals["erp-integration"]
    assert erp["value"] == pytest.approx(48000.50) and erp["currency"] == "EUR"
    assert erp["stage"] == "needs-analysis" and erp["account"] == "aanekoski-oy"
    assert str(erp["close_date"]) == "2025-03-31" and str(erp["created"]) == "2024-11-04"
    assert erp["stakeholders"] == [{"contact": "matti-virtanen"}]
    assert deals["field-service-app"]["stage"] == "needs-analysis"  # --stage-map
    addon = deals["analytics-add-on"]
    assert (addon["status"], addon["currency"], str(addon["won_date"])) == \
        ("won", "USD", "2024-10-30")
    assert str(addon["close_date"]) == "2024-10-30"  # no expected date: the won date
    assert str(deals["invoice-automation"]["lost_date"]) == "2024-09-12"
    reasons = {k: (d.get("lost_reason"), d.get("lost_note")) for k, d in deals.items()
               if d["status"] == "lost"}
    assert reasons == {
        "invoice-automation": ("price", None),
        "route-optimisation": ("competitor", "Went with a competitor"),
        "inventory-forecasting": ("budget", "Budget frozen"),
        "mobile-sales-tool": ("other", "Bad chemistry"),
        "quality-tracking": ("other", None),
    }
    assert {d["owner"] for d in deals.values()} == {"anna", "ville"}
    # files live in the month they were created
    assert (imported.root / "deals/2024-11/erp-integration.yaml").is_file()


def test_accounts_and_contacts(imported: Repo):
    accounts = records(imported, "accounts")
    assert set(accounts) == {"aanekoski-oy", "acme-oy", "globex-inc", "initech-ltd",
                             "umbrella-gmbh"}
    aane = accounts["aanekoski-oy"]
    assert aane["name"] == "Äänekoski Oy" and aane["domain"] == "aanekoski.example"
    assert str(aane["created"]) == "2024-05-01"
    assert aane["contacts"] == [{"id": "matti-virtanen", "name": "Matti Virtanen",
                                 "title": "CFO", "email": "matti@aanekoski.example",
                                 "phone": "+358 40 123 4567",
                                 "emails": ["matti.v@example.com"]}]  # every e-mail kept
    assert [c["id"] for c in accounts["initech-ltd"]["contacts"]] == ["liisa-koski"]
    assert (imported.root / "accounts/2024-05/aanekoski-oy.yaml").is_file()


def test_check_passes_and_the_tree_is_clean(imported: Repo):
    result = imported.run("check")
    assert result.exit_code == 0, result.output
    assert imported.status() == ""
    settings = load_fast((imported.root / "salescli.yaml").read_text("utf-8"))
    assert settings["owners"] == ["anna", "ville"]


def test_the_settings_commit_changes_only_the_lines_of_new_names(repo: Repo,
                                                                   export: dict[str, Path]):
    # the settings were dumped whole: every `key: null` of the file came back `key:`
    repo.write("salescli.yaml", (repo.root / "salescli.yaml").read_text() +
               "offering: null   # a comment\nterms: ~\n")
    repo.commit("settings with nulls")
    assert run_import(repo, export).exit_code == 0
    sha = repo.git("log", "--format=%H", "-1", "--", "salescli.yaml").strip()
    diff = repo.git("show", "--format=", "-U0", sha, "--", "salescli.yaml").splitlines()
    changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert [line[1:].split(":")[0] for line in changed] == ["owners", "owners"], changed


def test_funnel_runs_on_the_imported_history(imported: Repo):
    result = imported.run("report", "funnel", "--format", "json")
    assert result.exit_code == 0, result.output
    totals = json.loads(result.output)["totals"]
    assert (totals["won"], totals["lost"], totals["open"]) == (4, 5, 6)
    won_2024q4 = imported.run("report", "funnel", "--since", "2024-11-01", "--format", "json")
    assert json.loads(won_2024q4.output)["totals"]["open"] == 4


def test_author_dates_are_the_exports_times(imported: Repo):
    log = imported.git("log", "--format=%ad|%s", "--date=iso-strict-local",
                       "--", "deals/").splitlines()
    seen = {s: d for d, s in (line.split("|", 1) for line in log)}
    assert seen["deal(erp-integration): add in needs-analysis"] == "2024-11-04T09:15:00+00:00"
    assert seen["deal(reporting-dashboard): won"] == "2024-12-15T14:00:00+00:00"
    assert seen["deal(route-optimisation): lost (competitor)"] == "2024-08-30T11:00:00+00:00"
    accounts = imported.git("log", "--format=%ad|%s", "--date=iso-strict-local",
                            "--", "accounts/").splitlines()
    assert "2024-05-01T08:00:00+00:00|account(aanekoski-oy): add" in accounts
    # one commit per event, each with its trailer
    assert sum(line.split("|")[1].startswith("deal(") for line in log) == 15 + 9
    body = imported.git("log", "-1", "--format=%B", "--grep=erp-integration")
    assert "Salescli-Event: add" in body and "deals.csv:2" in body


def test_a_malformed_row_fails_the_whole_import_and_nothing_changes(repo: Repo,
                                                                     export: dict[str, Path]):
    bad = replaced(DEALS, "30500.75,USD", "abc,USD")
    bad = replaced(bad, "2024-12-01 13:45:00", "2024-13-45 99:00:00")
    bad = replaced(bad, "Second site rollout,14250.50,USD,Proposal",
                   "Second site rollout,14250.50,USD,Demo")
    write(export["deals"].parent, "deals.csv", bad)
    before, head, status = repo.snapshot(), repo.head(), repo.status()
    result = run_import(repo, export)
    assert result.exit_code == 1
    errors = result.output  # the file's own line numbers, as a spreadsheet shows them
    assert f'deals.csv:{_line("3,Data platform")}: Deal - Value: "abc" is not a number' in errors
    assert f'deals.csv:{_line("5,Field service app")}: Deal - Deal created: ' \
        '"2024-13-45 99:00:00"' in errors
    assert (f"deals.csv:{_line('15,Second site rollout')}: 1 stage not in pipeline default "
            "(Demo)") in errors
    assert "--stage-map" in errors and "nothing was imported" in errors
    assert (repo.snapshot(), repo.head(), repo.status()) == (before, head, status)


def _line(prefix: str) -> int:
    """The line of the deals file that starts with `prefix` (the header is line 1)."""
    rows = DEALS.splitlines()
    return next(n for n, row in enumerate(rows, 1) if row.startswith(prefix))


def test_unknown_stage_without_map_names_the_stages(repo: Repo, export: dict[str, Path]):
    result = import_deals(repo, export["deals"], code=1)
    assert (f"deals.csv:{_line('5,Field service app')}: 1 stage not in pipeline default "
            '(Qualified): use --stage-map "Qualified=STAGE" with STAGE one of needs-analysis, '
            "proposal, negotiation, contracting") in result.output
    assert repo.status() == ""


def test_refuses_with_uncommitted_record_changes(repo: Repo, export: dict[str, Path]):
    repo.write("salescli.yaml", (repo.root / "salescli.yaml").read_text() + "# edited\n")
    head = repo.head()
    result = run_import(repo, export)
    assert result.exit_code == 1
    assert "salescli.yaml: has uncommitted changes" in result.output
    assert repo.head() == head


def test_dry_run_writes_nothing(repo: Repo, export: dict[str, Path]):
    before, head = repo.snapshot(), repo.head()
    result = run_import(repo, export, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would import from Pipedrive: 15 deal(s) (6 open, 4 won, 5 lost)" in result.output
    assert "note: would add owners to salescli.yaml: " in result.output  # not "added"
    assert (repo.snapshot(), repo.head()) == (before, head)


def test_a_second_import_reuses_existing_accounts(imported: Repo, tmp_path: Path):
    more = write(tmp_path, "more.csv", "Title,Value,Currency,Stage,Status,Organization,"
                 "Contact person,Expected close date,Owner,Add time\n"
                 "Expansion,1000,EUR,Proposal,open,Äänekoski Oy,Pekka Uusi,2025-06-30,"
                 "Anna Lindholm,2025-01-10\n")
    import_deals(imported, more)
    assert records(imported, "deals")["expansion"]["account"] == "aanekoski-oy"
    text = (imported.root / "accounts/2024-05/aanekoski-oy.yaml").read_text("utf-8")
    assert "pekka-uusi" in text and "matti-virtanen" in text
    assert not (imported.root / "accounts/2025-01").exists()
    assert imported.run("check").exit_code == 0


# ------------------------------------------------------------------- variants


def test_header_variants_are_matched_loosely(repo: Repo, tmp_path: Path):
    deals = write(tmp_path, "d.csv", (
        "\ufeffDEAL - TITLE;deal -  value;Deal - Currency of Value;Deal - Stage;Deal - Status;"
        "Organization;Deal - Expected close date;Deal - Add time;Deal - Won time\n"
        "Pilot;1 200,00;eur;proposal;OPEN;Beta Ltd;2025-02-01;2024-12-01;\n"
        "Rollout;2500.5;EUR;Contracting;won;Beta Ltd;;2024-10-01;2024-11-02\n"))
    # one file, two decimal signs: which one is meant? (of as many, the second's line)
    result = import_deals(repo, deals, code=1)
    assert 'd.csv:3: amounts mix decimal commas ("1 200,00") and decimal points ("2500.5")' \
        in result.output
    deals.write_text(replaced(deals.read_text("utf-8"), "1 200,00", "1 200.00"), "utf-8")
    import_deals(repo, deals)
    got = records(repo, "deals")
    assert got["pilot"]["value"] == 1200 and got["pilot"]["currency"] == "EUR"
    assert got["rollout"]["status"] == "won" and str(got["rollout"]["won_date"]) == "2024-11-02"
    assert str(got["pilot"]["created"]) == "2024-12-01"


def test_ambiguous_dates_need_a_date_format(repo: Repo, tmp_path: Path):
    text = ("Deal - Title,Deal - Stage,Deal - Status,Deal - Organization,"
            "Deal - Expected close date,Deal - Deal created\n"
            "Pilot,Proposal,open,Beta Ltd,03/04/2025,02/01/2025\n")
    deals = write(tmp_path, "d.csv", text)
    result = import_deals(repo, deals, code=1)
    assert ("d.csv:2: 2 dates could be day/month or month/day (Deal - Deal created, "
            "Deal - Expected close date); pass --date-format %d/%m/%Y or --date-format "
            "%m/%d/%Y") in result.output
    assert "--date-format %d/%m/%Y" in result.output
    import_deals(repo, deals, "--date-format", "%d/%m/%Y")
    pilot = records(repo, "deals")["pilot"]
    assert (str(pilot["close_date"]), str(pilot["created"])) == ("2025-04-03", "2025-01-02")


def test_other_rows_settle_the_date_order():
    dates = Dates()
    dates.observe(["03/04/2025", "25/12/2024"])
    assert dates.parse("03/04/2025").date().isoformat() == "2025-04-03"
    assert dates.parse("4.3.2025 10:15").isoformat() == "2025-03-04T10:15:00+00:00"
    assert dates.parse("2025-03-04").hour == 12  # a bare date is noon UTC, like --date


def test_open_deal_without_close_date(repo: Repo, tmp_path: Path):
    deals = write(tmp_path, "d.csv", "Title,Stage,Status,Organization,Deal created\n"
                  "Pilot,Proposal,open,Beta Ltd,2025-01-02\n")
    result = import_deals(repo, deals, code=1)
    assert "d.csv:2: Expected close date: missing" in result.output
    assert "--default-close-date" in result.output
    import_deals(repo, deals, "--default-close-date", "2025-06-30")
    assert str(records(repo, "deals")["pilot"]["close_date"]) == "2025-06-30"


def test_missing_required_column_is_a_usage_error(repo: Repo, tmp_path: Path):
    deals = write(tmp_path, "d.csv", "Name,Value\nx,1\n")
    result = import_deals(repo, deals, code=2)
    assert "d.csv: no column Deal - Stage, Deal - Status, Deal - Deal created" in result.output


def test_pure_helpers():
    assert norm_header("Deal -  Currency of Value") == "deal currency of value"
    assert parse_amount("48,000.50", False) == parse_amount("48000.5", False)
    with pytest.raises(ValueError, match="more than 2 decimals"):
        parse_amount("1.005", False)
    reasons = ["price", "budget", "no-response", "other"]
    assert lost_reason("No response", reasons) == ("no-response", None)
    assert lost_reason("Price too high", reasons) == ("price", "Price too high")
    assert lost_reason("", reasons) == ("other", None)
    assert lost_reason("Odd", ["price"]) == (None, "Odd")


def test_a_thousand_deals_import_quickly(repo: Repo, tmp_path: Path):
    header = ("Deal - Title,Deal - Value,Deal - Stage,Deal - Status,Deal - Organization,"
              "Deal - Expected close date,Deal - Lost reason,Deal - Deal created,"
              "Deal - Won time,Deal - Lost time\n")
    rows = []
    for n in range(1000):
        status = ("open", "won", "lost")[n % 3]
        won = "2024-06-01 10:00:00" if status == "won" else ""
        lost = "2024-06-02 10:00:00" if status == "lost" else ""
        rows.append(f"Deal {n},{n}.50,Proposal,{status},Company {n % 200},2025-01-31,"
                    f"{'Price' if lost else ''},2024-0{1 + n % 5}-1{n % 9} 09:00:00,{won},{lost}\n")
    deals = write(tmp_path, "big.csv", header + "".join(rows))
    start = time.perf_counter()
    result = repo.run("import", "pipedrive", "--deals", str(deals))
    elapsed = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    assert len(list((repo.root / "deals").glob("*/*.yaml"))) == 1000
    assert elapsed < 45, elapsed


# ------------------------------------------------------------------- import csv


def test_an_import_says_which_commit_hooks_and_signing_its_history_skips(repo: Repo,
                                                                       tmp_path: Path):
    # git fast-import writes the backdated commits: a commit-msg hook and signing, which
    # every other command's commit goes through, do not run for them; it is said
    for n, folder in enumerate((".git/hooks", "my-hooks")):  # also where core.hooksPath is
        if n:  # the hook only there: git looks nowhere else
            (repo.root / ".git/hooks/commit-msg").unlink()
            repo.git("config", "core.hooksPath", folder)
        hook = repo.root / folder / "commit-msg"
        hook.parent.mkdir(parents=True, exist_ok=True)
        hook.write_text("#!/bin/sh\nexit 0\n")
        hook.chmod(0o755)
        f = write(tmp_path, f"accounts{n}.csv", f"name,domain\nImp {n},imp{n}.example\n")
        r = repo.run("import", "csv", str(f), "--kind", "account")
        assert r.exit_code == 0, r.output
        assert r.stderr == ("note: the import's commits are history written with their own "
                            "dates (git fast-import): the commit-msg hook did not run for "
                            "them (a pre-commit hook does)\n")

def test_an_import_that_cannot_lock_the_branch_says_so_not_that_head_moved(repo: Repo,
                                                                         tmp_path: Path):
    branch = repo.git("branch", "--show-current").strip()
    lock = repo.root / ".git" / "refs" / "heads" / f"{branch}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    f = write(tmp_path, "accounts.csv", "name,domain\nImp One,imp1.example\n")
    head = repo.head()
    r = repo.run("import", "csv", str(f), "--kind", "account")
    assert r.exit_code == 1 and r.stderr.startswith(
        "Error: commit failed, nothing changed: fatal: update_ref failed"), r.output
    assert repo.head() == head and repo.status() == ""

def test_import_csv_accounts_with_a_contact(repo: Repo, tmp_path: Path):
    f = write(tmp_path, "companies.csv",
              "Company,VAT,Web,Person,Email,Added\n"
              "Äänekoski Oy,1234567-8,aanekoski.example,Matti Virtanen,matti@aanekoski.example,"
              "2024-03-01\n"
              "Beta Ltd,,beta.example,,,2024-04-02 10:00:00\n")
    result = repo.run("import", "csv", str(f), "--kind", "account", "--map",
                      "Company=name,VAT=business_id,Web=domain,Person=contact.name,"
                      "Email=contact.email", "--date-column", "Added")
    assert result.exit_code == 0, result.output
    assert "Imported from companies.csv: 2 accounts in 2 commit(s)" in result.output
    got = records(repo, "accounts")
    assert got["aanekoski-oy"]["business_id"] == "1234567-8"
    assert got["aanekoski-oy"]["contacts"] == [
        {"id": "matti-virtanen", "name": "Matti Virtanen", "email": "matti@aanekoski.example"}]
    assert (repo.root / "accounts/2024-04/beta-ltd.yaml").is_file()
    dates = repo.git("log", "-2", "--format=%ad %s", "--date=short").splitlines()
    assert dates == ["2024-04-02 account(beta-ltd): add", "2024-03-01 account(aanekoski-oy): add"]
    assert repo.run("check").exit_code == 0


def test_import_csv_leads_and_deals(repo: Repo, tmp_path: Path):
    leads = write(tmp_path, "leads.csv", "company,contact email,source,status,created\n"
                  "Gamma Oy,g@gamma.example,Website,new,2024-05-01\n")
    assert repo.run("import", "csv", str(leads), "--kind", "lead").exit_code == 0
    lead = records(repo, "leads")["gamma-oy"]
    assert (lead["contact"], lead["source"], lead["status"]) == (
        {"email": "g@gamma.example"}, "website", "new")
    deals = write(tmp_path, "deals.csv", "Name,Customer,Amount,stage,status,close_date,"
                  "created,won_date\n"
                  "Pilot,Gamma Oy,1000,proposal,won,,2024-05-02,2024-06-01\n"
                  "Rollout,Gamma Oy,2000,,open,2024-12-31,2024-05-03,\n")
    result = repo.run("import", "csv", str(deals), "--kind", "deal",
                      "--map", "Name=title,Customer=account,Amount=value")
    assert result.exit_code == 0, result.output
    got = records(repo, "deals")
    assert (got["pilot"]["status"], str(got["pilot"]["won_date"])) == ("won", "2024-06-01")
    assert got["rollout"]["stage"] == "needs-analysis" and got["rollout"]["account"] == "gamma-oy"
    assert repo.run("check").exit_code == 0


def test_import_csv_a_closed_deal_without_a_creation_date_says_so(repo: Repo,
                                                                    tmp_path: Path):
    # created defaults to the import's time: a deal won before it names the option
    deals = write(tmp_path, "deals.csv", "title,account,value,status,won_date\n"
                  "Pilot,Gamma Oy,1000,won,2024-06-01\n")
    result = repo.run("import", "csv", str(deals), "--kind", "deal")
    assert result.exit_code == 1
    assert "deals.csv:2: won_date 2024-06-01 is before the deal was created (" in \
        result.output
    assert ", the import's time: the row has no creation date; give the column that has " \
        "it with --date-column COLUMN)" in result.output, result.output


def test_import_csv_takes_the_options_its_errors_name(repo: Repo, tmp_path: Path):
    # `1.234` is 1234 or 1.234, `Qualified` no stage, no close date: each error names
    # the option that settles it, and import csv has them all
    deals = write(tmp_path, "deals.csv", "title,account,value,stage,created\n"
                  "Big deal,Acme Oy,1.234,Qualified,2026-01-05\n")
    result = repo.run("import", "csv", str(deals), "--kind", "deal")
    assert result.exit_code == 1
    for option in ("--decimal-comma or --decimal-point", "--stage-map \"Qualified=STAGE\"",
                   "--default-close-date YYYY-MM-DD"):
        assert option in result.output, result.output
    result = repo.run("import", "csv", str(deals), "--kind", "deal", "--decimal-comma",
                      "--stage-map", "Qualified=proposal", "--default-close-date", "2027-03-31")
    assert result.exit_code == 0, result.output
    deal = records(repo, "deals")["big-deal"]
    assert ", 1 account in 2 commit(s)" in result.output
    assert (deal["value"], deal["stage"], str(deal["close_date"])) == (
        1234, "proposal", "2027-03-31")
    leads = write(tmp_path, "leads.csv", "company\nGamma Oy\n")
    result = repo.run("import", "csv", str(leads), "--kind", "lead", "--stage-map", "X=y")
    assert result.exit_code == 2 and "--stage-map: for --kind deal only" in result.output


def test_import_csv_refuses_probable_duplicates_as_add_does(repo: Repo, tmp_path: Path):
    repo.write("accounts/2026-10/acme-oy.yaml", "id: acme-oy\nname: Acme Oy\n"
               "domain: acme.example\ncreated: 2026-10-01\n")
    repo.commit()
    accounts = write(tmp_path, "accounts.csv", "name,domain\nAcme Group,ACME.example\n"
                     "Beta Oy,beta.example\nBeta Two,www.beta.example\n")
    said = refused_rows(repo, accounts, "account")
    assert "accounts.csv:2: probable duplicate: same domain `ACME.example` as account " \
        "acme-oy; leave the row out, or import with --force" in said
    assert "accounts.csv:4: probable duplicate: same domain `www.beta.example` as the row " \
        "at accounts.csv:3" in said
    result = repo.run("import", "csv", str(accounts), "--kind", "account", "--force")
    assert result.exit_code == 0, result.output
    leads = write(tmp_path, "leads.csv", "company,contact email\nGamma,g@gamma.example\n"
                  "Gamma Two,G@gamma.example\n")
    result = repo.run("import", "csv", str(leads), "--kind", "lead")
    assert result.exit_code == 1 and "leads.csv:3: probable duplicate: same e-mail " \
        "`G@gamma.example` as the row at leads.csv:2" in result.output
    # an account row's contact, as a lead's
    people = write(tmp_path, "people.csv", "name,contact.name,contact.email\n"
                   "Delta Oy,Dee,dee@delta.example\nDelta Group,Dee,Dee@delta.example\n")
    result = repo.run("import", "csv", str(people), "--kind", "account")
    assert result.exit_code == 1 and "people.csv:3: probable duplicate: same e-mail " \
        "`Dee@delta.example` as the row at people.csv:2" in result.output


def test_import_csv_refuses_a_name_as_add_does(repo: Repo, tmp_path: Path):
    # the name was no duplicate key: `ÅBO OY` imported beside account `abo` (Åbo Oy), and a
    # row naming an account ID was refused even with --force ("already exists")
    repo.write("accounts/2026-10/abo.yaml", "id: abo\nname: Åbo Oy\ncreated: 2026-10-01\n")
    repo.write("accounts/2026-10/acme-oy.yaml", "id: acme-oy\nname: Acme Oy\n"
               "created: 2026-10-01\n")
    repo.write("leads/2026-10/gamma.yaml", "id: gamma\ncompany: Gamma Oy\n"
               "created: 2026-10-01\n")
    repo.commit()
    accounts = write(tmp_path, "accounts.csv", "name\nÅBO  OY\nAcme Oy\nDelta Oy\nDELTA OY\n")
    said = refused_rows(repo, accounts, "account")
    for line in ("accounts.csv:2: probable duplicate: same name `ÅBO  OY` as account abo; "
                 "leave the row out, or import with --force",
                 "accounts.csv:3: probable duplicate: same name `Acme Oy` as account acme-oy",
                 "accounts.csv:5: probable duplicate: same name `DELTA OY` as the row at "
                 "accounts.csv:4"):
        assert line in said, said
    leads = write(tmp_path, "leads.csv", "company\ngamma oy\n")
    result = repo.run("import", "csv", str(leads), "--kind", "lead")
    assert result.exit_code == 1 and "leads.csv:2: probable duplicate: same company " \
        "`gamma oy` as lead gamma" in result.output
    result = repo.run("import", "csv", str(accounts), "--kind", "account", "--force")
    assert result.exit_code == 0, result.output
    assert sorted(records(repo, "accounts")) == ["abo", "abo-oy", "acme-oy", "acme-oy-2",
                                                 "delta-oy", "delta-oy-2"]


def test_import_csv_refuses_a_deal_imported_before(repo: Repo, tmp_path: Path):
    # the same file imported twice doubled every deal (`pilot-2`...), won and lost ones too
    deals = write(tmp_path, "deals.csv", "title,account,value,status,close_date,created,"
                  "won_date\n"
                  "Pilot,Gamma Oy,1000,won,,2024-05-02,2024-06-01\n"
                  "Rollout,Gamma Oy,2000,open,2024-12-31,2024-05-03,\n")
    assert repo.run("import", "csv", str(deals), "--kind", "deal").exit_code == 0
    said = refused_rows(repo, deals, "deal")
    assert "deals.csv:2: probable duplicate: same title `Pilot` as deal pilot of account " \
        "gamma-oy; leave the row out, or import with --force" in said
    assert "deals.csv:3: probable duplicate: same title `Rollout` as deal rollout of " \
        "account gamma-oy" in said
    # open beside open, or created the same day, as an earlier row of the file; a new
    # pilot on another day beside the won one, or another account's, is no duplicate
    more = write(tmp_path, "more.csv", "title,account,close_date,created\n"
                 "Pilot,Gamma Oy,2025-12-31,2025-01-10\n"
                 "Rollout,Delta Oy,2025-12-31,2025-01-10\n"
                 "ROLLOUT,Delta Oy,2025-12-31,2025-01-11\n")
    result = repo.run("import", "csv", str(more), "--kind", "deal")
    assert result.exit_code == 1 and result.output.count("probable duplicate") == 1
    assert "more.csv:4: probable duplicate: same title `ROLLOUT` as the row at more.csv:3" \
        in result.output
    result = repo.run("import", "csv", str(deals), "--kind", "deal", "--force")
    assert result.exit_code == 0, result.output
    assert sorted(records(repo, "deals")) == ["pilot", "pilot-2", "rollout", "rollout-2"]


def test_import_csv_deals_find_an_account_by_its_name(repo: Repo, tmp_path: Path):
    # account `kone` named "Kone Oyj" was found only by the ID `kone-oyj`: a second account
    repo.write("accounts/2026-10/kone.yaml", "id: kone\nname: Kone Oyj\ncreated: 2026-10-01\n")
    repo.commit()
    deals = write(tmp_path, "deals.csv", "title,account,close_date,created\n"
                  "Lifts,Kone Oyj,2026-12-31,2026-11-01\n"
                  "Escalators,KONE-OYJ,2026-12-31,2026-11-02\n"
                  "Doors,kone,2026-12-31,2026-11-03\n")
    result = repo.run("import", "csv", str(deals), "--kind", "deal")
    assert result.exit_code == 0, result.output
    assert sorted(records(repo, "accounts")) == ["kone"]
    assert {d["account"] for d in records(repo, "deals").values()} == {"kone"}


def test_import_csv_one_name_in_two_unicode_forms_is_one_account(repo: Repo, tmp_path: Path):
    import unicodedata

    composed, decomposed = (unicodedata.normalize(form, "Åbo Oy") for form in ("NFC", "NFD"))
    deals = write(tmp_path, "deals.csv", "title,account,close_date,created\n"
                  f"Pilot,{composed},2026-12-31,2026-11-01\n"
                  f"Rollout,{decomposed},2026-12-31,2026-11-02\n")
    result = repo.run("import", "csv", str(deals), "--kind", "deal")
    assert result.exit_code == 0, result.output
    assert sorted(records(repo, "accounts")) == ["abo-oy"]
    # and rows of one file that spell it with and without accents or in capitals
    deals = write(tmp_path, "more.csv", "title,account,close_date,created\n"
                  "Audit,Kärki Oy,2026-12-31,2026-11-03\nTraining,KARKI OY,2026-12-31,"
                  "2026-11-04\nSupport,Karki Oy,2026-12-31,2026-11-05\n")
    result = repo.run("import", "csv", str(deals), "--kind", "deal")
    assert result.exit_code == 0, result.output
    assert sorted(records(repo, "accounts")) == ["abo-oy", "karki-oy"]


def test_import_csv_names_one_id_would_fold_alike_are_two_accounts(repo: Repo,
                                                                     tmp_path: Path):
    """`A&B Oy` and `A/B Oy` both slug to `a-b-oy`: the second deal went to the first's
    account, and `A/B Oy` was lost without a word."""
    repo.write("accounts/2026-10/a-b-oy.yaml", "id: a-b-oy\nname: A&B Oy\ncreated: 2026-10-01\n")
    repo.commit()
    deals = write(tmp_path, "deals.csv", "title,account,close_date,created\n"
                  "One,A/B Oy,2026-12-31,2026-11-01\nTwo,A+B Oy,2026-12-31,2026-11-02\n"
                  "Three,A+B OY,2026-12-31,2026-11-03\nFour,a&b oy,2026-12-31,2026-11-04\n")
    result = repo.run("import", "csv", str(deals), "--kind", "deal")
    assert result.exit_code == 0, result.output
    accounts = records(repo, "accounts")
    assert {i: a["name"] for i, a in accounts.items()} == {
        "a-b-oy": "A&B Oy", "a-b-oy-2": "A/B Oy", "a-b-oy-3": "A+B Oy"}
    assert {d["title"]: d["account"] for d in records(repo, "deals").values()} == {
        "One": "a-b-oy-2", "Two": "a-b-oy-3", "Three": "a-b-oy-3", "Four": "a-b-oy"}


def test_import_csv_names_a_record_with_no_letter_or_digit_after_its_kind(repo: Repo,
                                                                          tmp_path: Path):
    """`!!!` became the account `record`; an import cannot ask for an ID per row, so such
    a record is named after its kind (and a contact `contact`)."""
    accounts = write(tmp_path, "accounts.csv", "name,contact.name,contact.email,created\n"
                     "???,***,x@q.example,2026-10-01\n")
    result = repo.run("import", "csv", str(accounts), "--kind", "account")
    assert result.exit_code == 0, result.output
    deals = write(tmp_path, "deals.csv", "title,account,close_date,created\n"
                  "!!!,???,2026-12-31,2026-11-01\n%%%,???,2026-12-31,2026-11-02\n")
    result = repo.run("import", "csv", str(deals), "--kind", "deal")
    assert result.exit_code == 0, result.output
    assert {d["title"]: (i, d["account"]) for i, d in records(repo, "deals").items()} == {
        "!!!": ("deal", "account"), "%%%": ("deal-2", "account")}
    # two such names are two accounts, not one the other's probable duplicate
    more = write(tmp_path, "more.csv", "name\n***\n+++\n")
    result = repo.run("import", "csv", str(more), "--kind", "account")
    assert result.exit_code == 0, result.output
    assert sorted(records(repo, "accounts")) == ["account", "account-2", "account-3"]
    assert [c["id"] for c in records(repo, "accounts")["account"]["contacts"]] == ["contact"]
    assert repo.run("check").exit_code == 0


def test_an_excel_csv_in_cp1252_is_read_with_its_encoding(repo: Repo, tmp_path: Path):
    """Excel on Windows saves CSV in cp1252: it was refused as not UTF-8, and the only
    way on was to save the file again."""
    rows = tmp_path / "excel.csv"
    rows.write_bytes("name;domain\r\nÄänekoski Oy;aanekoski.example\r\n".encode("cp1252"))
    refused(repo, ["import", "csv", str(rows), "--kind", "account"], 2,
            f"{rows}: not UTF-8 text (byte 13); export it as UTF-8 CSV, or give its "
            "encoding with --encoding (Excel on Windows: --encoding cp1252)")
    rows.write_bytes(rows.read_bytes() + b"\x81 Oy;x.example\r\n")  # no cp1252 character
    refused(repo, ["import", "csv", str(rows), "--kind", "account", "--encoding", "cp1252"], 2,
            f"{rows}: not cp1252 text (byte 45); give its encoding with --encoding, or "
            "export it as UTF-8 CSV")
    rows.write_bytes(rows.read_bytes().replace(b"\x81", b"\xc5bo"))
    result = repo.run("import", "csv", str(rows), "--kind", "account", "--encoding", "cp1252")
    assert result.exit_code == 0, result.output
    assert {i: a["name"] for i, a in records(repo, "accounts").items()} == {
        "aanekoski-oy": "Äänekoski Oy", "abo-oy": "Åbo Oy"}


def test_excels_unicode_text_is_read_as_utf_16_by_its_byte_order_mark(repo: Repo,
                                                                      tmp_path: Path):
    rows = tmp_path / "unicode.txt"
    text = "name\tdomain\r\nÖljy Oy\töljy.example\r\n"
    rows.write_bytes(text.encode("utf-16")[:-1])  # cut short
    refused(repo, ["import", "csv", str(rows), "--kind", "account"], 2,
            f"{rows}: not UTF-16 text (byte 70); the file may be cut short or damaged; "
            "export it again")
    rows.write_bytes(text.encode("utf-32"))  # whose byte order mark starts as UTF-16's
    result = repo.run("import", "csv", str(rows), "--kind", "account", "--dry-run")
    assert result.exit_code == 0, result.output
    rows.write_bytes(text.encode("utf-16"))
    result = repo.run("import", "csv", str(rows), "--kind", "account")
    assert result.exit_code == 0, result.output
    assert records(repo, "accounts")["oljy-oy"]["name"] == "Öljy Oy"


def test_a_pipedrive_export_in_cp1252_is_read_with_its_encoding(repo: Repo, tmp_path: Path):
    export = {}
    for name, text in (("deals", DEALS), ("organizations", ORGANIZATIONS),
                       ("persons", PERSONS)):
        export[name] = tmp_path / f"{name}.csv"
        export[name].write_bytes(text.encode("cp1252"))
    result = run_import(repo, export, "--encoding", "cp1252")
    assert result.exit_code == 0, result.output
    assert records(repo, "accounts")["aanekoski-oy"]["name"] == "Äänekoski Oy"


@pytest.mark.parametrize("encoding", ["nope", "base64", "", "unicode_escape", "idna",
                                      "utf-7", "undefined"])
def test_an_encoding_no_file_is_written_in_is_a_usage_error(repo: Repo, tmp_path: Path,
                                                            encoding: str):
    """`unicode_escape` read `C:\\new Oy` as a line break; `undefined` was a traceback."""
    rows = write(tmp_path, "rows.csv", "name\nAcme Oy\n")
    refused(repo, ["import", "csv", str(rows), "--kind", "account", "--encoding", encoding],
            2, f"--encoding: {encoding!r} is not a file's text encoding; give one such as "
            "utf-8, cp1252 (Excel on Windows) or latin-1")


def test_a_utf_8_file_read_as_cp1252_is_refused_not_imported_garbled(repo: Repo,
                                                                    tmp_path: Path):
    """`Äänekoski Oy` came in as `Ã„Ã¤nekoski Oy`, without a word."""
    rows = write(tmp_path, "rows.csv", "name\nÄänekoski Oy\n")
    refused(repo, ["import", "csv", str(rows), "--kind", "account", "--encoding", "cp1252"],
            2, f"{rows}: is UTF-8 text (its letters beyond ASCII read as UTF-8), not cp1252; "
            "leave out --encoding")
    for same in ("utf-8-sig", "UTF8"):  # other names of UTF-8 read it as UTF-8
        result = repo.run("import", "csv", str(rows), "--kind", "account", "--encoding", same,
                          "--dry-run")
        assert result.exit_code == 0, result.output


def test_import_csv_maps_names_with_a_comma(repo: Repo, tmp_path: Path):
    # `--stage-map "Demo booked, waiting=proposal"`, the syntax the error suggests, was
    # refused: expected OLD=new, got "Demo booked"
    deals = write(tmp_path, "deals.csv", '"Deal, name",account,stage,close_date,created\n'
                  '"Pilot",Gamma Oy,"Demo booked, waiting",2026-12-31,2026-11-01\n')
    result = repo.run("import", "csv", str(deals), "--kind", "deal", "--map", "Deal, name=title")
    assert result.exit_code == 1
    assert '--stage-map "Demo booked, waiting=STAGE"' in result.output
    result = repo.run("import", "csv", str(deals), "--kind", "deal", "--map",
                      "Deal, name=title", "--stage-map", "Demo booked, waiting=proposal")
    assert result.exit_code == 0, result.output
    assert records(repo, "deals")["pilot"]["stage"] == "proposal"
    result = repo.run("import", "csv", str(deals), "--kind", "deal", "--map",
                      "Deal, name=title", "--stage-map", "Demo")
    assert result.exit_code == 2 and '--stage-map: expected OLD=new, got "Demo"' in result.output


def test_import_csv_mixed_decimal_signs_name_the_odd_row(repo: Repo, tmp_path: Path):
    deals = write(tmp_path, "deals.csv", "title,account,value,close_date,created\n"
                  'Pilot,Gamma Oy,"1 500,00",2026-12-31,2026-11-01\n'
                  'Rollout,Gamma Oy,"1,200.00",2026-12-31,2026-11-01\n'
                  'Support,Gamma Oy,"2,000.00",2026-12-31,2026-11-01\n')
    result = repo.run("import", "csv", str(deals), "--kind", "deal")
    assert result.exit_code == 1
    assert 'deals.csv:2: amounts mix decimal commas ("1 500,00") and decimal points ' \
        '("1,200.00"); pass --decimal-comma or --decimal-point' in result.output


def test_import_csv_line_breaks_in_a_cell_are_newlines(repo: Repo, tmp_path: Path):
    # a spreadsheet's CSV ends lines with CRLF, inside quoted cells too: `\r\n` was stored
    path = tmp_path / "accounts.csv"
    path.write_bytes(b'name,notes\r\nBeta Oy,"Tapasimme messuilla.\r\nSoita joulukuussa."\r\n')
    result = repo.run("import", "csv", str(path), "--kind", "account")
    assert result.exit_code == 0, result.output
    assert records(repo, "accounts")["beta-oy"]["notes"] == \
        "Tapasimme messuilla.\nSoita joulukuussa."


def test_import_csv_errors_name_the_users_columns(repo: Repo, tmp_path: Path):
    deals = write(tmp_path, "deals.csv", "Name,Customer,Amount,created\n"
                  "Pilot,Gamma Oy,lots,2024-05-02\n")
    head = repo.head()
    result = repo.run("import", "csv", str(deals), "--kind", "deal",
                      "--map", "Name=title,Customer=account,Amount=value")
    assert result.exit_code == 1
    assert 'deals.csv:2: Amount: "lots" is not a number' in result.output
    assert repo.head() == head
    result = repo.run("import", "csv", str(deals), "--kind", "deal", "--map", "Nope=title")
    assert result.exit_code == 2 and "has no column \"Nope\"" in result.output


def test_a_damaged_csv_row_is_refused_not_shifted(repo: Repo, tmp_path: Path):
    # a quote left open swallowed every later row into one cell, and a stray `;` moved a
    # row's cells one column on: both imported with exit 0, rows or values lost
    header = "Deal - Title;Deal - Organization;Deal - Deal created;Deal - Label\n"
    for name, body, message in (
        ("open.csv", 'ERP;Acme Oy;2026-03-01;"Hot\nPortal;Beta Oy;2026-03-02;Warm\n',
         'open.csv:2: not valid CSV: a quoted cell that starts here never ends (a missing '
         '`"`); fix the file or export it again'),
        ("extra.csv", "ERP;Acme Oy;2026-03-01;Budget; went with Excel\n"
         "Portal;Beta Oy;2026-03-02;Warm\nCRM;Gamma Oy;2026-03-03\n",
         "extra.csv:2, 4: 5 cells (line 2) where the header has 4; a cell with an unquoted "
         "';' or line break? Quote it, or export the file again")):
        refused(repo, ["import", "pipedrive", "--deals", str(write(tmp_path, name,
                                                                    header + body))],
                2, message)


# ------------------------------------------------------- repeatable imports (issue 15)


def test_running_the_same_import_again_changes_nothing(imported: Repo, export):
    head = imported.head()
    result = run_import(imported, export)
    assert result.exit_code == 0, result.output
    assert "Nothing to import from Pipedrive" in result.output
    assert imported.head() == head and imported.status() == ""


def test_a_changed_row_is_one_update_commit_dated_by_the_export(imported: Repo, export):
    deals = export["deals"]
    text = deals.read_text("utf-8")
    # ERP integration moves on and grows; Second site rollout is won
    text = replaced(text, "1,ERP integration,48000.50,EUR,Needs analysis,Open",
                    "1,ERP integration,52000,EUR,Proposal,Open")
    text = replaced(text, "2024-11-20 15:00:00,,,Sales", "2024-11-20 15:00:00,2025-01-10 09:00:00,"
                    ",Sales")
    text = replaced(text, "15,Second site rollout,14250.50,USD,Proposal,Open",
                    "15,Second site rollout,14250.50,USD,Proposal,Won")
    write(deals.parent, "deals.csv", text)
    head = imported.head()
    result = run_import(imported, export)
    assert result.exit_code == 0, result.output
    assert "2 deal(s) updated in 2 commit(s)" in result.output
    log = imported.git("log", "--format=%s|%aI", f"{head}..HEAD").splitlines()
    # newest first; no Update time column: a change of value or stage is dated now
    assert log[0].startswith("deal(erp-integration): update from Pipedrive: stage proposal, "
                             "value 52000.00|")
    assert log[1:] == [
        "deal(second-site-rollout): update from Pipedrive: status won|2025-01-10T09:00:00+00:00"]
    erp = records(imported, "deals")["erp-integration"]
    assert (erp["stage"], erp["value"], erp["external_ids"]) == \
        ("proposal", 52000, {"pipedrive": 1})
    assert "Nothing to import" in run_import(imported, export).output


def test_a_deal_the_tool_marks_lost_keeps_a_revisit_day_set_here(imported: Repo, export):
    """A re-import closes the deal as the tool says; what the export cannot say (a day
    to come back, set with `deal set`) stays, as `deal lose --revisit` would have it."""
    assert imported.run("deal", "set", "warehouse-pilot", "revisit=2027-06-01").exit_code == 0
    deals = export["deals"]
    text = replaced(deals.read_text("utf-8"),
                    "2,Warehouse pilot,12000,EUR,Proposal,open,Acme Oy,Sara Beta,2025-02-28,,",
                    "2,Warehouse pilot,12000,EUR,Proposal,Lost,Acme Oy,Sara Beta,2025-02-28,Price,")
    text = replaced(text, "2024-11-10 10:00:00,,,Sales", "2024-11-10 10:00:00,,"
                    "2025-01-10 10:00:00,Sales")
    write(deals.parent, "deals.csv", text)
    result = run_import(imported, export)
    assert result.exit_code == 0, result.output
    pilot = records(imported, "deals")["warehouse-pilot"]
    assert (pilot["status"], pilot["lost_reason"], str(pilot["revisit"])) == \
        ("lost", "price", "2027-06-01")


def test_a_deal_gone_from_the_export_is_reported_not_deleted(imported: Repo, export):
    deals = export["deals"]
    lines = deals.read_text("utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("3,Data platform")]
    write(deals.parent, "deals.csv", "".join(kept))
    result = run_import(imported, export)
    assert result.exit_code == 0, result.output
    assert ("1 deal(s) imported earlier are not in this export (deleted in Pipedrive?); "
            "salescli keeps them: Pipedrive ID(s) 3") in result.output
    assert "data-platform" in records(imported, "deals")


def test_a_refusing_pre_commit_hook_imports_nothing(repo: Repo, export):
    hook = repo.root / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho 'not today' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = repo.state()
    result = run_import(repo, export)
    assert result.exit_code == 1
    assert result.output == "Error: nothing imported: the pre-commit hook refused it: not today\n"
    assert repo.state() == before


def test_a_deal_without_organization_needs_person_accounts(repo: Repo, tmp_path: Path):
    deals = pilot_and_rollout(tmp_path, "Deal - Contact person", "Sara Beta", "Sara Beta",
                              organization="")
    result = import_deals(repo, deals, code=1)
    assert ("deals.csv:2, 3: 2 deals with a contact person but no organization: fill in "
            "the organization, or pass --person-accounts") in result.output
    import_deals(repo, deals, "--person-accounts")
    assert records(repo, "accounts")["sara-beta"]["contacts"][0]["name"] == "Sara Beta"


def test_us_and_finnish_exports_with_their_own_formats(repo: Repo, tmp_path: Path):
    header = ("Deal - Title,Deal - Value,Deal - Stage,Deal - Status,Deal - Organization,"
              "Deal - Deal created,Deal - Expected close date,Deal - Won time\n")
    us = write(tmp_path, "us.csv", header + (
        'Pilot,"€18,500.00",Proposal,won,Beta Ltd,3/14/2025 9:30 AM,3/31/2025,'
        "3/20/2025 2:05 PM\n"))
    import_deals(repo, us, "--date-format", "%m/%d/%Y %I:%M %p")
    pilot = records(repo, "deals")["pilot"]
    assert (pilot["value"], pilot["currency"], str(pilot["won_date"])) == \
        (18500, "EUR", "2025-03-20")
    fi = write(tmp_path, "fi.csv", header.replace(",", ";") + (
        "Rollout;18 500,00;Proposal;open;Beta Ltd;14.3.2025 9:30;31.12.2025;\n"))
    import_deals(repo, fi, "--date-format", "%d.%m.%Y %H:%M")
    rollout = records(repo, "deals")["rollout"]
    assert (rollout["value"], str(rollout["created"]), str(rollout["close_date"])) == \
        (18500, "2025-03-14", "2025-12-31")


def test_an_activity_of_no_imported_record_is_skipped_and_said(repo: Repo, export):
    activities = write(export["deals"].parent, "activities.csv", (
        "Activity - Subject,Activity - Type,Activity - Done,Activity - Due date,Deal - ID\n"
        "Kick-off,meeting,Done,2024-11-05,1\n"
        "Lead call,call,Done,2024-11-06,\n"                 # a Pipedrive lead's: not imported
        "Old deal's call,call,Done,2024-11-07,999\n"))      # a deal deleted in Pipedrive
    result = run_import(repo, export, "--activities", str(activities))
    assert result.exit_code == 0, result.output
    assert ("skipped 2 activity(s) of no deal, organization or person of this import (a "
            "deleted deal's, or a lead's): activities.csv:3, 4") in result.output
    erp = records(repo, "deals")["erp-integration"]
    assert erp["activities"] == [{"date": erp["activities"][0]["date"], "type": "meeting",
                                  "summary": "Kick-off", "status": "held"}]


def test_today_is_no_future_but_a_later_time_is(repo: Repo, tmp_path: Path):
    # a date alone is noon UTC: before noon, today's won date would date its commit in
    # the future, where the funnel does not yet see it; the commit is dated now instead
    header = ("Deal - Title,Deal - Stage,Deal - Status,Deal - Organization,Deal - Deal created,"
              "Deal - Won time\n")
    today = time.strftime("%Y-%m-%d")
    deals = write(tmp_path, "deals.csv", header + f"Pilot,Proposal,won,Beta Ltd,2025-01-02,"
                  f"{today}\n")
    import_deals(repo, deals)
    assert int(repo.git("log", "-1", "--format=%at")) <= time.time()
    assert str(records(repo, "deals")["pilot"]["won_date"]) == today  # the date is kept
    # a time an hour ahead may be a local time east of UTC: committed now; a time more
    # than 14 hours ahead is no zone's now
    soon = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 3600))
    deals = write(tmp_path, "deals.csv", header + f"Soon,Proposal,won,Beta Ltd,2025-01-02,"
                  f"{soon}\n")
    import_deals(repo, deals)
    assert int(repo.git("log", "-1", "--format=%at")) <= time.time()
    later = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 15 * 3600))
    deals = write(tmp_path, "deals.csv", header + f"Later,Proposal,won,Beta Ltd,2025-01-02,"
                  f"{later}\n")
    result = import_deals(repo, deals, code=1)
    assert f'Deal - Won time "{later}" is ' in result.output


def test_a_time_ahead_is_now_but_a_date_alone_keeps_its_day(repo: Repo):
    # late in the UTC evening, a zone east of UTC is on the next day: its date alone
    # keeps that day (noon); its time of day, ahead of now, is committed as now
    import datetime as dt

    from salescli.services.importer import Planner
    from salescli.services.importer import Source
    from salescli.services.importer import dates_reading

    planner = Planner(repo.repo, dates_reading(None))
    planner.now = dt.datetime(2026, 1, 10, 23, 30, tzinfo=dt.timezone.utc)  # noqa: UP017
    where = Source("deals.csv", 2)
    assert planner.when(where, "Won time", "2026-01-11").date() == dt.date(2026, 1, 11)
    assert planner.when(where, "Won time", "2026-01-11 08:15") == planner.now
    assert planner.errors == []


def test_a_stage_named_in_a_document_language_is_that_stage(repo: Repo, tmp_path: Path):
    # a Finnish Pipedrive's stages: the pipeline's `names: {fi: Tarjous}` map them
    header = ("Deal - Title,Deal - Stage,Deal - Status,Deal - Organization,Deal - Deal created,"
              "Deal - Expected close date\n")
    deals = write(tmp_path, "deals.csv", header + "Pilot,Tarjous,open,Beta Ltd,2025-01-02,"
                  "2027-01-31\n")
    import_deals(repo, deals)
    assert records(repo, "deals")["pilot"]["stage"] == "proposal"


def test_an_edit_made_in_both_tools_alike_moves_the_baseline(imported: Repo, export):
    # Pipedrive and the user both change ERP's value to 52000; the import records that
    # Pipedrive said so (no edit); the user's later 60000 survives the same export again
    deals = export["deals"]
    write(deals.parent, "deals.csv", replaced(
        deals.read_text("utf-8"), "1,ERP integration,48000.50,", "1,ERP integration,52000,"))
    assert imported.run("deal", "set", "erp-integration", "value=52000").exit_code == 0
    head = imported.head()
    result = run_import(imported, export)
    assert result.exit_code == 0, result.output
    assert "1 deal(s) already in step in 1 commit(s)" in result.output
    assert imported.git("diff", "--stat", head, "HEAD") == ""  # no file changed
    assert imported.run("deal", "set", "erp-integration", "value=60000").exit_code == 0
    head = imported.head()
    assert "Nothing to import" in run_import(imported, export).output
    assert imported.head() == head
    assert records(imported, "deals")["erp-integration"]["value"] == 60000


def test_a_deal_id_twice_is_refused_on_a_re_import_too(imported: Repo, export):
    deals = export["deals"]
    text = deals.read_text("utf-8")
    row = next(line for line in text.splitlines() if line.startswith("3,Data platform"))
    write(deals.parent, "deals.csv", text + replaced(row, "30500.75", "1000") + "\n")
    result = run_import(imported, export)
    assert result.exit_code == 1
    assert 'Deal - ID "3" appears twice in the export; each deal once' in result.output


def test_a_deal_id_with_leading_zeros_stays_text(repo: Repo, tmp_path: Path):
    deals = write(tmp_path, "deals.csv", (
        "Deal - ID,Deal - Title,Deal - Stage,Deal - Status,Deal - Organization,"
        "Deal - Deal created,Deal - Expected close date\n"
        "00123,Pilot,Proposal,open,Beta Ltd,2025-01-02,2025-06-30\n"))
    assert repo.run("import", "pipedrive", "--deals", str(deals)).exit_code == 0
    assert records(repo, "deals")["pilot"]["external_ids"] == {"pipedrive": "00123"}
    assert "Nothing to import" in repo.run("import", "pipedrive", "--deals", str(deals)).output


def test_reopened_in_pipedrive_clears_the_close(imported: Repo, export):
    deals = export["deals"]
    old = ("6,Reporting dashboard,15000,EUR,Contracting,Won,Acme Oy,Sara Beta,2024-12-31,,"
           "Anna Lindholm,2024-08-05 09:00:00,2024-12-15 14:00:00,,Sales")
    new = replaced(old, "Won,", "Open,")  # reopened: no won time, a new close date
    new = replaced(new, "2024-12-31", "2025-12-31")
    new = replaced(new, "2024-12-15 14:00:00", "")
    write(deals.parent, "deals.csv", replaced(deals.read_text("utf-8"), old, new))
    result = run_import(imported, export)
    assert result.exit_code == 0, result.output
    dash = records(imported, "deals")["reporting-dashboard"]
    assert dash["status"] == "open" and "won_date" not in dash
    assert imported.run("check").exit_code == 0


def test_the_hook_sees_the_import_in_the_work_tree(repo: Repo, export):
    hook = repo.root / ".git/hooks/pre-commit"
    # as linters do: every staged record must be a file in the work tree
    hook.write_text("#!/bin/sh\ngit diff --cached --name-only | while read f; do "
                    "[ -f \"$f\" ] || { echo \"missing $f\" >&2; exit 1; }; done\n")
    hook.chmod(0o755)
    result = run_import(repo, export)
    assert result.exit_code == 0, result.output


def test_two_owners_of_one_first_name_stay_two(repo: Repo, tmp_path: Path):
    deals = pilot_and_rollout(tmp_path, "Deal - Owner", "Anna Lindholm", "Anna Berg")
    assert repo.run("import", "pipedrive", "--deals", str(deals)).exit_code == 0
    got = records(repo, "deals")
    assert (got["pilot"]["owner"], got["rollout"]["owner"]) == ("anna-lindholm", "anna-berg")


def test_a_value_in_one_currency_and_a_currency_column_in_another(repo: Repo, tmp_path: Path):
    deals = write(tmp_path, "deals.csv", (
        "Deal - Title,Deal - Value,Deal - Currency,Deal - Stage,Deal - Status,"
        "Deal - Organization,Deal - Deal created,Deal - Expected close date\n"
        "Pilot,€100.00,USD,Proposal,open,Beta Ltd,2025-01-02,2025-06-30\n"))
    result = import_deals(repo, deals, code=1)
    assert ('deals.csv:2: Deal - Value "€100.00" is in EUR, but Deal - Currency says USD; '
            "fix one of them") in result.output


def test_a_note_loses_its_markup_and_scripts(repo: Repo, export):
    notes = write(export["deals"].parent, "notes.csv", (
        "Note - Content,Note - Add time,Deal - ID\n"
        '"<p>Hello <b>there</b></p><script>alert(1)</script><p>Bye &amp; thanks</p>",'
        "2024-11-05 10:00:00,1\n"))
    result = run_import(repo, export, "--notes", str(notes))
    assert result.exit_code == 0, result.output
    note = records(repo, "deals")["erp-integration"]["activities"][0]
    assert (note["summary"], note["outcome"]) == ("Hello there", "Bye & thanks")
    body = repo.git("log", "-1", "--format=%b", "--", "deals/2024-11/erp-integration.yaml")
    assert "(notes.csv:2)" in body  # the row the note came from


def test_an_activity_done_in_pipedrive_since_is_marked_done(repo: Repo, export):
    header = ("Activity - ID,Activity - Subject,Activity - Type,Activity - Done,"
              "Activity - Due date,Activity - Add time,Activity - Marked as done time,"
              "Deal - ID\n")
    folder = export["deals"].parent
    activities = write(folder, "activities.csv", header +
                       "7,Send proposal,task,To do,2025-03-20,2024-11-05 10:00:00,,1\n")
    assert run_import(repo, export, "--activities", str(activities)).exit_code == 0
    erp = records(repo, "deals")["erp-integration"]
    assert erp["activities"][0]["status"] == "booked"
    write(folder, "activities.csv", header + "7,Send proposal,task,Done,2025-03-20,"
          "2024-11-05 10:00:00,2025-03-21 09:00:00,1\n")
    result = run_import(repo, export, "--activities", str(activities))
    assert result.exit_code == 0, result.output
    assert "1 activities updated in 1 commit(s)" in result.output
    task = records(repo, "deals")["erp-integration"]["activities"][0]
    assert "status" not in task and task["external_ids"] == {"pipedrive": 7}
    assert repo.git("log", "-1", "--format=%aI") == "2025-03-21T09:00:00+00:00\n"
    assert "Nothing to import" in run_import(repo, export, "--activities",
                                             str(activities)).output


def test_an_activity_done_before_its_due_day_is_dated_when_done(repo: Repo, export):
    # dated at its due day: a call done on 2 Dec 2026 showed as held on 20 Dec, in the future
    activities = write(export["deals"].parent, "activities.csv", (
        "Activity - ID,Activity - Subject,Activity - Type,Activity - Done,"
        "Activity - Due date,Activity - Add time,Activity - Marked as done time,Deal - ID\n"
        "7,Budget call,call,Done,2099-12-20,2024-11-05 10:00:00,2026-12-02 09:00:00,1\n"
        "8,Send proposal,task,Done,2099-12-20,2024-11-05 10:00:00,2026-12-02 10:00:00,1\n"))
    result = run_import(repo, export, "--activities", str(activities))
    assert result.exit_code == 0, result.output
    call, task = records(repo, "deals")["erp-integration"]["activities"]
    assert (call["summary"], str(call["date"]), call.get("due")) == (
        "Budget call", "2026-12-02", None)
    assert (str(task["date"]), str(task["due"]), str(task["done"])) == (
        "2026-12-02", "2099-12-20", "2026-12-02")
    assert "Nothing to import" in run_import(repo, export, "--activities",
                                             str(activities)).output


def test_a_re_import_keeps_the_owners_the_first_one_gave(repo: Repo, tmp_path: Path):
    # `Anna Lindholm` became `anna`; an export that also has `Anna Berg` re-planned her as
    # `anna-lindholm` and committed "owner anna-lindholm" on all her deals
    header = ("Deal - ID,Deal - Title,Deal - Stage,Deal - Status,Deal - Organization,"
              "Deal - Owner,Deal - Deal created,Deal - Expected close date\n")
    first = "1,Pilot,Proposal,open,Beta Ltd,Anna Lindholm,2025-01-02,2025-06-30\n"
    deals = write(tmp_path, "deals.csv", header + first)
    import_deals(repo, deals)
    assert records(repo, "deals")["pilot"]["owner"] == "anna"
    write(tmp_path, "deals.csv", header + first +
          "2,Rollout,Proposal,open,Beta Ltd,Anna Berg,2025-01-03,2025-06-30\n")
    result = import_deals(repo, deals)
    assert "updated" not in result.output
    got = records(repo, "deals")
    assert (got["pilot"]["owner"], got["rollout"]["owner"]) == ("anna", "anna-berg")


def test_a_deal_handed_over_in_pipedrive_goes_to_its_new_owner(repo: Repo, tmp_path: Path):
    # Anna left: Sara has all three deals now. Sara's own name matches `sara`; what
    # Anna's deals last said (owner anna) does not make Sara `anna`
    header = ("Deal - ID,Deal - Title,Deal - Stage,Deal - Status,Deal - Organization,"
              "Deal - Owner,Deal - Deal created,Deal - Expected close date\n")
    rows = ["1,Pilot,Proposal,open,Beta Ltd,{},2025-01-02,2025-06-30\n",
            "2,Rollout,Proposal,open,Beta Ltd,{},2025-01-03,2025-06-30\n",
            "3,Gamma,Proposal,open,Beta Ltd,{},2025-01-04,2025-06-30\n"]
    owners = ("Anna Lindholm", "Anna Lindholm", "Sara Nieminen")
    deals = write(tmp_path, "deals.csv", header + "".join(
        row.format(who) for row, who in zip(rows, owners, strict=True)))
    import_deals(repo, deals)
    assert {k: d["owner"] for k, d in records(repo, "deals").items()} == {
        "pilot": "anna", "rollout": "anna", "gamma": "sara"}
    write(tmp_path, "deals.csv", header + "".join(row.format("Sara Nieminen") for row in rows))
    import_deals(repo, deals)
    assert {k: d["owner"] for k, d in records(repo, "deals").items()} == {
        "pilot": "sara", "rollout": "sara", "gamma": "sara"}


# ------------------------------------------------ namesakes: what Pipedrive's IDs tell apart

NAMESAKES = {
    "organizations.csv": """\
Organization - ID;Organization - Name;Organization - Organization created;Organization - Y-tunnus;\
Organization - Industry;Organization - Number of employees
10;Acme Oy;1.1.2026 9:00;1234567-8;Forestry;120
11;ACME  OY;1.2.2026 9:00;7654321-0;;
""",
    "persons.csv": """\
Person - ID;Person - Name;Person - Organization;Person - Organization ID;Person - Email - Work;\
Person - Person created
20;Sanna Öhman;Acme Oy;10;sanna@acme.fi;10.1.2026 9:00
21;Sanna Öhman;Acme Oy;10;sanna.ohman@gmail.com;11.1.2026 9:00
""",
    "deals.csv": """\
Deal - ID;Deal - Title;Deal - Value;Deal - Currency;Deal - Organization;Deal - Stage;\
Deal - Status;Deal - Deal created;Deal - Expected close date
1;Oulu deal;1 000,00;EUR;Acme Oy;Needs analysis;Open;1.3.2026 9:00;31.12.2026
2;Turku deal;2 000,00;EUR;ACME  OY;Needs analysis;Open;2.3.2026 9:00;31.12.2026
""",
    "activities.csv": """\
Activity - ID;Activity - Subject;Activity - Type;Activity - Done;Activity - Due date;\
Activity - Add time;Activity - Marked as done time;Activity - Deal ID;Activity - Note
30;Call;Call;Done;20.3.2026;20.3.2026 9:00;20.3.2026 9:15;1;No answer
31;Call;Call;Done;20.3.2026;20.3.2026 9:00;20.3.2026 15:30;1;Reached her
""",
}


def import_namesakes(repo: Repo, folder: Path):
    return repo.run("import", "pipedrive", *(arg for name in NAMESAKES for arg in (
        f"--{name.removesuffix('.csv')}", str(write(folder, name, NAMESAKES[name])))))


def test_namesakes_of_different_pipedrive_ids_stay_apart(repo: Repo, tmp_path: Path):
    # merged by name, the second organization's business ID, the second person's e-mail
    # and the second same-day "Call" were dropped without a word
    result = import_namesakes(repo, tmp_path)
    assert result.exit_code == 0, result.output
    accounts = records(repo, "accounts")
    assert {a["id"]: (a["name"], a["business_id"]) for a in accounts.values()} == {
        "acme-oy": ("Acme Oy", "1234567-8"), "acme-oy-2": ("ACME  OY", "7654321-0")}
    assert (accounts["acme-oy"]["industry"], accounts["acme-oy"]["size"]) == ("Forestry", "120")
    assert [(c["id"], c["email"]) for c in accounts["acme-oy"]["contacts"]] == [
        ("sanna-ohman", "sanna@acme.fi"), ("sanna-ohman-2", "sanna.ohman@gmail.com")]
    deals = records(repo, "deals")
    assert {d["title"]: d["account"] for d in deals.values()} == {
        "Oulu deal": "acme-oy", "Turku deal": "acme-oy-2"}  # the name as written decides
    oulu = next(d for d in deals.values() if d["title"] == "Oulu deal")
    assert [a["outcome"] for a in oulu["activities"]] == ["No answer", "Reached her"]
    head = repo.head()
    assert "Nothing to import" in import_namesakes(repo, tmp_path).output
    assert repo.head() == head


def test_an_organization_renamed_in_pipedrive_stays_one_account(repo: Repo, tmp_path: Path):
    assert import_namesakes(repo, tmp_path).exit_code == 0
    now = {name: text.replace(";Acme Oy;", ";Acme Oyj;")
                     for name, text in NAMESAKES.items()}
    now["deals.csv"] += ("3;Espoo deal;3 000,00;EUR;Acme Oyj;Needs analysis;Open;"
                                   "3.3.2026 9:00;31.12.2026\n")
    args = [arg for name, text in now.items() for arg in (
        f"--{name.removesuffix('.csv')}", str(write(tmp_path, "now-" + name, text)))]
    result = repo.run("import", "pipedrive", *args)
    assert result.exit_code == 0, result.output
    assert "note: account acme-oy is named \"Acme Oyj\" in Pipedrive now; it keeps its name " \
           "here (`salescli account set acme-oy name=...` to change it)" in result.output
    assert sorted(records(repo, "accounts")) == ["acme-oy", "acme-oy-2"]
    espoo = next(d for d in records(repo, "deals").values() if d["title"] == "Espoo deal")
    assert espoo["account"] == "acme-oy"


def test_a_rows_currency_says_what_its_kr_is(repo: Repo, tmp_path: Path):
    # `kr` is SEK, NOK, DKK or ISK: the row's own Currency cell settles it, so an export
    # of Norwegian and Swedish deals needs no --currency (and none would do for both)
    deals = write(tmp_path, "deals.csv", """\
Deal - Title;Deal - Value;Deal - Currency;Deal - Organization;Deal - Stage;Deal - Status;\
Deal - Deal created;Deal - Expected close date
Norway deal;185 000 kr;NOK;Nordfjord AS;Needs analysis;Open;1.3.2026 9:00;31.12.2026
Sweden deal;90 000 kr;SEK;Baltic AB;Needs analysis;Open;2.3.2026 9:00;31.12.2026
Euro deal;5 000 €;SEK;Baltic AB;Needs analysis;Open;2.3.2026 9:00;31.12.2026
""")
    result = repo.run("import", "pipedrive", "--deals", str(deals))
    assert result.exit_code == 1
    assert result.output.count("deals.csv:") == 1 and \
        'deals.csv:4: Deal - Value "5 000 €" is in EUR, but Deal - Currency says SEK; fix one ' \
        "of them" in result.output
    deals.write_text(deals.read_text("utf-8").rsplit("Euro deal", 1)[0], "utf-8")
    assert repo.run("import", "pipedrive", "--deals", str(deals)).exit_code == 0
    assert {d["title"]: (d["value"], d["currency"]) for d in records(repo, "deals").values()} \
        == {"Norway deal": (185000, "NOK"), "Sweden deal": (90000, "SEK")}


def test_an_owner_is_the_first_word_with_letters_of_its_name():
    """`- Ville` became the owner `record` (the slug of `-`), added to the settings."""
    names = Names(["anna"], by_first_word=True)
    names.plan(["- Ville Korpela", "Anna Lindholm", "!! Bob", "Jean-Pierre Roux"])
    assert [names.get(n) for n in ("- Ville Korpela", "Anna Lindholm", "!! Bob",
                                   "Jean-Pierre Roux")] == ["ville", "anna", "bob", "jean-pierre"]
    assert names.added == ["bob", "ville", "jean-pierre"]


def test_a_nul_in_a_persons_e_mail_is_refused_as_in_any_other_cell(repo: Repo, export):
    """E-mail and phone columns are found by their names' pattern, not mapped: their
    NUL went into the contact's e-mail, `\\0` in the YAML."""
    write(export["persons"].parent, "persons.csv", PERSONS.replace(
        "sara@acme.example", "sa\0ra@acme.example"))
    head = repo.head()
    result = run_import(repo, export)
    assert result.exit_code == 1 and repo.head() == head
    assert ("persons.csv:3: Person - Email: contains a NUL character (byte 0); remove it "
            "from the export") in result.output


@pytest.mark.parametrize("header,extra,message", [
    ("name,name,domain", (), 'a.csv: two columns named "name" (columns 1 and 2); rename or '
                             "remove one"),
    ("A,B,domain", ("--map", "A=name,B=name"), '--map: two columns for name ("A" and "B"); '
                                                "map one"),
])
def test_two_columns_for_one_field_are_refused_not_one_dropped(
        repo: Repo, tmp_path: Path, header: str, extra: tuple[str, ...], message: str):
    """The second column was dropped, and the note named it as not imported although a
    column of that name was."""
    rows = write(tmp_path, "a.csv", f"{header}\nAcme Oy,Other Oy,acme.fi\n")
    refused(repo, ["import", "csv", str(rows), "--kind", "account", *extra], 2, message)


def test_a_rows_record_refused_by_check_is_named_as_a_record_not_a_file(repo: Repo,
                                                                        tmp_path: Path):
    """It named `leads/2026-12/acme-oy.yaml`, a file that does not exist."""
    rows = write(tmp_path, "l.csv", "company,status,created\nAcme Oy,weird,2026-11-01\n")
    assert refused_rows(repo, rows, "lead") == (
        "l.csv:2: lead acme-oy: status: should be 'new', 'contacted', 'qualified' or "
        "'disqualified'\nError: import failed with 1 error(s); nothing was imported\n")


def test_a_rows_id_is_refused_as_malformed_or_as_taken_not_both(repo: Repo, tmp_path: Path):
    """A taken ID was refused with the hint for a malformed one, `(a-z, 0-9, '-')`."""
    repo.write("accounts/2026-10/kone.yaml", "id: kone\nname: Kone Oyj\ncreated: 2026-10-01\n")
    repo.commit()
    rows = write(tmp_path, "a.csv", "id,name,created\nkone,Kone Two,2026-11-01\n"
                 "Bad ID,Bad Oy,2026-11-01\n")
    assert refused_rows(repo, rows, "account") == (
        'a.csv:2: id: "kone" is taken: another account (here, or an earlier row) has it\n'
        'a.csv:3: id: "Bad ID" is not a valid account ID (a-z, 0-9 and \'-\', at most 64 '
        "characters)\nError: import failed with 2 error(s); nothing was imported\n")


@pytest.mark.parametrize("text,clock", [
    ("14:30", "14:30"), ("9:05", "09:05"), ("14:30:00", "14:30"), ("2:30 PM", "14:30"),
    ("12:00 am", "00:00"), ("12:15 PM", "12:15"), ("11:59 p.m.", "23:59"),
    ("25:99", None), ("13:00 PM", None), ("0:00 AM", None), ("1:5", None), ("noon", None),
])
def test_a_meetings_due_time_in_24_or_12_hour_form(text: str, clock: str | None):
    """A US-locale export writes `2:30 PM`, which was refused as no time of day."""
    from salescli.core.cells import time_of_day

    assert time_of_day(text) == clock


def test_a_header_alone_is_nothing_to_import_and_said_so(repo: Repo, tmp_path: Path):
    """It said "every record is already in the repository", of a file with no rows."""
    rows = write(tmp_path, "a.csv", "name,domain\n")
    result = repo.run("import", "csv", str(rows), "--kind", "account")
    assert (result.exit_code, result.output) == (
        0, "Nothing to import from a.csv: no rows, only a header\n")


@pytest.mark.parametrize("text,message", [
    ("\n", "a.csv: the file is empty; expected a header row"),
    ("\n\nname\nGamma Oy\n", "a.csv: its first line is blank; the header row goes there"),
])
def test_a_blank_first_line_is_no_header(repo: Repo, tmp_path: Path, text: str, message: str):
    """A file of one line break said "no column for `name`"."""
    rows = write(tmp_path, "a.csv", text)
    refused(repo, ["import", "csv", str(rows), "--kind", "account"], 2, message)
