"""Small hardening cases: each one a user's input, its exact message, and proof that a
refused command wrote nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SOON
from conftest import Repo
from conftest import refused

# ------------------------------------------------------------------ import

HEADER = "Title,Value,Stage,Status,Organization,Expected close date,Deal created,Won time\n"


def import_deals(repo: Repo, tmp_path: Path, rows: str, *extra: str):
    """Import a small Pipedrive-style deals file; the result and the file's name."""
    path = tmp_path / "deals.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return repo.run("import", "pipedrive", "--deals", str(path), *extra)


@pytest.mark.parametrize("rows,messages", [
    ("Pilot,100,Proposal,open,Beta Ltd,2027-06-30,2024-11-01,\n"
     "Typo,100,Proposal,open,Beta Ltd,2027-06-30,2999-11-01 10:00:00,\n",
     ['deals.csv:3: Deal created "2999-11-01 10:00:00" is after today (',
      "fix the date in the export", "nothing was imported"]),
    ("Pilot,100,Proposal,won,Beta Ltd,,2024-11-01,2999-01-05\n"
     "Old,100,Proposal,open,Beta Ltd,2027-06-30,1900-01-01,\n",
     ['deals.csv:2: Won time "2999-01-05" is after today',
      'deals.csv:3: Deal created "1900-01-01" is before 1970, earlier than git can date a '
      'commit; fix the date in the export']),
    ("Pi\0lot,100,Proposal,open,Beta Ltd,2027-06-30,2024-11-01,\n",
     ["deals.csv:2: Title: contains a NUL character (byte 0); remove it from the export"]),
    ("Refund,-500,Proposal,open,Beta Ltd,2027-06-30,2024-11-01,\n"
     "Big,\"-48,000.50\",Proposal,open,Beta Ltd,2027-06-30,2024-11-01,\n",
     ['deals.csv:2: Value: "-500" is negative; an amount of money is 0 or more',
      'deals.csv:3: Value: "-48,000.50" is negative']),
], ids=["created-in-the-future", "won-in-the-future-created-before-1970", "nul-in-a-cell",
        "negative-value"])
def test_import_refuses_a_bad_row(repo: Repo, tmp_path: Path, rows: str, messages: list[str]):
    before = repo.state()
    result = import_deals(repo, tmp_path, rows)
    assert result.exit_code == 1
    for message in messages:
        assert message in result.output
    assert repo.state() == before
    assert not (repo.root / "deals/2999-11").exists()


def test_a_local_time_just_exported_east_of_utc_is_now_not_refused(repo: Repo,
                                                                     tmp_path: Path):
    # Helsinki's 11:58 read as UTC is two hours ahead: it happened, committed by now;
    # more than 14 hours ahead is later than any zone's now
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)  # noqa: UP017
    soon = (now + dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    result = import_deals(repo, tmp_path, f"Pilot,100,Proposal,open,Beta Ltd,2027-06-30,"
                          f"{soon},\n")
    assert result.exit_code == 0, result.output
    dated = dt.datetime.fromisoformat(repo.git("log", "-1", "--format=%aI").strip())
    assert now - dt.timedelta(minutes=5) <= dated <= dt.datetime.now(dt.timezone.utc)  # noqa: UP017
    late = (now + dt.timedelta(hours=15)).strftime("%Y-%m-%d %H:%M")
    result = import_deals(repo, tmp_path, f"Later,100,Proposal,open,Beta Ltd,2027-06-30,"
                          f"{late},\n")
    assert result.exit_code == 1 and "fix the date in the export" in result.output


def test_import_keeps_a_far_expected_close_date(repo: Repo, tmp_path: Path):
    # an expected close date is a plan, not an event: it names no folder, dates no commit
    result = import_deals(repo, tmp_path, "Pilot,100,Proposal,open,Beta Ltd,2999-12-31,"
                          "2024-11-01,\n")
    assert result.exit_code == 0, result.output
    assert "close_date: 2999-12-31\n" in (repo.root / "deals/2024-11/pilot.yaml").read_text()


@pytest.mark.parametrize("name,text,kind,message", [
    ("leads.csv", "company,created\nBeta Ltd,3024-01-02\n", "lead",
     'leads.csv:2: created "3024-01-02" is after today'),
    ("accounts.csv", "name,notes\nBeta Ltd,ok\nGamma Oy,bad\0note\n", "account",
     "accounts.csv:3: notes: contains a NUL character (byte 0)"),
], ids=["future-created-date", "nul-in-a-cell"])
def test_import_csv_refuses_a_bad_cell(repo: Repo, tmp_path: Path, name: str, text: str,
                                       kind: str, message: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = repo.state()
    result = repo.run("import", "csv", str(path), "--kind", kind)
    assert result.exit_code == 1
    assert message in result.output
    assert repo.state() == before


def test_deal_set_says_a_negative_value_is_negative(filled: Repo):
    before = filled.state()
    result = filled.run("deal", "set", "acme-erp", "value=-500")
    assert result.exit_code == 2
    assert result.stderr == "Error: value: -500 is negative; an amount of money is 0 or more\n"
    assert filled.state() == before


# ------------------------------------------------------------------ empty names


@pytest.mark.parametrize("args,message", [
    (["account", "add", ""], "the account name is empty; give the account a name"),
    (["account", "add", "  ", "--id", "blank"],
     "the account name is empty; give the account a name"),
    (["lead", "add", ""], "the lead company is empty; give the lead a company"),
    (["deal", "add", " ", "--account", "acme-oy", "--value", "1", "--close-date",
      "2027-01-01"], "the deal title is empty; give the deal a title"),
    (["contact", "add", "acme-oy", ""], "the contact name is empty; give the contact a name"),
])
def test_an_empty_name_is_refused(filled: Repo, args: list[str], message: str):
    before = filled.state()
    result = filled.run(*args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"
    assert filled.state() == before


NO_WORD = ": nothing in it folds to a-z or 0-9; give it one with --id"


@pytest.mark.parametrize("args,message", [
    (["account", "add", "!!!"], 'the account name "!!!"' + NO_WORD),
    (["lead", "add", "\U0001f680 ***"], 'the lead company "\U0001f680 ***"' + NO_WORD),
    (["deal", "add", "%%%", "--account", "acme-oy", "--value", "1", "--close-date", SOON],
     'the deal title "%%%"' + NO_WORD),
    (["contact", "add", "acme-oy", "&&&"], 'the contact name "&&&"' + NO_WORD),
    (["account", "add", "\u2d30\u2d63\u2d53\u2d4d"],  # Tifinagh: unidecode has no letters
     'the account name "\u2d30\u2d63\u2d53\u2d4d"' + NO_WORD),
])
def test_a_name_with_nothing_to_make_an_id_of_needs_an_id(filled: Repo, args: list[str],
                                                          message: str):
    """`account add '!!!'` made the account `record`; now the user names the ID, and
    with --id the same name is added."""
    refused(filled, args, 2, f"cannot make an ID from {message}")
    result = filled.run(*args, "--id", "named")
    assert result.exit_code == 0, result.output
    assert filled.run("check").exit_code == 0


def test_lead_convert_says_how_to_name_what_it_cannot_make_an_id_of(filled: Repo):
    filled.run("lead", "add", "!!!", "--id", "bang", "--contact", "???", "--email",
               "x@bang.example")
    convert = ["lead", "convert", "bang", "--value", "1", "--close-date", SOON]
    refused(filled, convert, 2, 'cannot make an ID from the deal title "!!!": nothing in it '
            "folds to a-z or 0-9; give the deal a --title that has one")
    refused(filled, [*convert, "--title", "Rocket"], 2, "cannot make an ID from the account "
            'name "!!!": nothing in it folds to a-z or 0-9; name an existing account with '
            "--account, or give the lead a company that has one (`salescli lead set bang "
            "company=...`)")
    result = filled.run(*convert, "--title", "Rocket", "--account", "acme-oy")
    assert result.exit_code == 0, result.output
    # the lead's contact `???` is the account's contact `contact`, not `record`
    assert "contact contact" in result.output


def test_names_with_nothing_to_fold_are_no_one_name(filled: Repo):
    """`!!!` folded to `record`, the slug of an account `Record`: `account add '!!!' --id
    bang` was a probable duplicate of it, and so was `???` of `!!!`; `lead convert` of a
    lead `!!!` went into the account `Record`."""
    for name, ident in (("Record", "record"), ("!!!", "bang"), ("???", "what")):
        result = filled.run("account", "add", name, "--id", ident)
        assert result.exit_code == 0, result.output
    filled.run("lead", "add", "&&&", "--id", "amp", "--contact", "Pia", "--email",
               "pia@amp.example")
    refused(filled, ["lead", "convert", "amp", "--no-deal"], 2, "cannot make an ID from the "
            'account name "&&&": nothing in it folds to a-z or 0-9; name an existing account '
            "with --account, or give the lead a company that has one (`salescli lead set amp "
            "company=...`)")


def test_check_reports_an_empty_title(filled: Repo):
    filled.edit("deals/2026-10/acme-erp.yaml", "title: Order-processing automation",
                'title: " "')
    result = filled.run("check")
    assert result.exit_code == 1
    assert ("deals/2026-10/acme-erp.yaml:2:8: error: title: should not be empty [schema]"
            in result.stdout.splitlines())


# ------------------------------------------------------- same name, another ID

NFC, NFD = "Caf\u00e9 Oy", "Cafe\u0301 Oy"  # one name to the eye, two to a computer


@pytest.mark.parametrize("again", [NFD, "CAFÉ OY", "café-oy"])
def test_lead_add_refuses_a_company_twin(repo: Repo, again: str):
    assert repo.run("lead", "add", NFC).exit_code == 0
    before = repo.state()
    result = repo.run("lead", "add", again)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: probable duplicate: same company `{again}` as lead "
                             "cafe-oy; to add it anyway, use --force\n")
    assert repo.state() == before


def test_lead_add_force_adds_the_twin_with_its_own_id(repo: Repo):
    assert repo.run("lead", "add", NFC).exit_code == 0
    result = repo.run("lead", "add", NFD, "--force")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Added lead cafe-oy-2 [")


def test_lead_add_finds_the_twin_among_suffixed_ids(repo: Repo):
    assert repo.run("lead", "add", "Café Oy", "--id", "cafe-oy").exit_code == 0
    assert repo.run("lead", "add", "Cafe Oy", "--force").exit_code == 0  # cafe-oy-2
    repo.git("rm", "-q", next((repo.root / "leads").glob("*/cafe-oy.yaml")).as_posix())
    repo.git("commit", "-qm", "removed")
    result = repo.run("lead", "add", NFD)
    assert result.exit_code == 1
    assert f"same company `{NFD}` as lead cafe-oy-2;" in result.stderr


def deal_add(repo: Repo, title: str, account: str, *extra: str):
    return repo.run("deal", "add", title, "--account", account, "--value", "1",
                    "--close-date", SOON, *extra)


def test_deal_add_refuses_an_open_deal_twin_of_the_account(filled: Repo):
    assert deal_add(filled, NFC, "acme-oy").exit_code == 0
    before = filled.state()
    result = deal_add(filled, NFD.upper(), "acme-oy")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: probable duplicate: same title `{NFD.upper()}` as open "
                             "deal cafe-oy of account acme-oy; to add it anyway, use --force\n")
    assert filled.state() == before
    result = deal_add(filled, NFD, "acme-oy", "--force")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Added deal cafe-oy-2 in needs-analysis [")


def test_deal_add_allows_the_title_of_another_accounts_deal(filled: Repo):
    assert filled.run("account", "add", "Beta Ltd").exit_code == 0
    assert deal_add(filled, NFC, "acme-oy").exit_code == 0
    result = deal_add(filled, NFD, "beta-ltd")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Added deal cafe-oy-2 in needs-analysis [")


def test_account_add_refuses_a_name_twin_as_before(filled: Repo):
    assert filled.run("account", "add", NFC).exit_code == 0
    result = filled.run("account", "add", NFD)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: probable duplicate: same name `{NFD}` as account "
                             "cafe-oy; to add it anyway, use --force\n")


# ------------------------------------------------------------------ messages

DEAL_FILE = "deals/2026-10/acme-erp.yaml"


def check_with(repo: Repo, old: str, new: str) -> list[str]:
    """`check`'s lines for the fixture deal with one line changed."""
    repo.edit(DEAL_FILE, old, new)
    result = repo.run("check")
    assert result.exit_code == 1
    return result.stdout.splitlines()


def test_an_impossible_date_names_its_field(filled: Repo):
    assert check_with(filled, "close_date: 2027-01-31", "close_date: 2026-13-45") == [
        f"{DEAL_FILE}:9:13: error: close_date: '2026-13-45' is not a real date [yaml]"]


def test_an_impossible_date_in_a_list_names_its_place(filled: Repo):
    lines = check_with(filled, "stakeholders:", "activities:\n  - {date: 2026-10-02, "
                       "type: call, summary: a}\n  - {date: 2026-02-30, type: call, "
                       "summary: b}\nstakeholders:")
    assert lines == [f"{DEAL_FILE}:15:12: error: activities[1].date: '2026-02-30' is not a "
                     "real date [yaml]"]


def test_a_bad_currency_shows_the_value(filled: Repo):
    assert check_with(filled, "currency: EUR", "currency: EURO") == [
        f"{DEAL_FILE}:8:11: error: currency: 'EURO' is not a 3-letter currency code such as "
        "EUR [schema]"]


def test_a_bad_id_shows_the_value_and_a_bad_stage_is_not_also_missing(filled: Repo):
    assert check_with(filled, "stage: needs-analysis", "stage: Meeting") == [
        f"{DEAL_FILE}:5:8: error: stage: 'Meeting' is not a valid ID (a-z, 0-9 and '-', at "
        "most 64 characters) [schema]"]


def test_a_bad_close_date_is_not_also_missing(filled: Repo):
    assert check_with(filled, "close_date: 2027-01-31", 'close_date: "soon"') == [
        f"{DEAL_FILE}:9:13: error: close_date: expected a date YYYY-MM-DD [schema]"]


def test_a_bad_status_does_not_make_open_deal_findings(filled: Repo):
    check_with(filled, "status: open\n", "status: opne\n")
    lines = check_with(filled, "close_date: 2027-01-31\n", "")  # no "needs a close_date"
    assert lines == [f"{DEAL_FILE}:6:9: error: status: should be 'open', 'won' or 'lost' "
                     "[schema]"]


def test_a_bad_value_is_not_also_a_missing_requirement(filled: Repo):
    # needs-analysis requires value: the bad value has its error, not a second warning
    assert check_with(filled, "value: 48000.00", "value: -500") == [
        f"{DEAL_FILE}:7:8: error: value: -500 is negative; expected 0 or more [schema]"]


def test_text_for_a_number_says_remove_the_quotes_only_when_quoted(filled: Repo):
    assert check_with(filled, "value: 48000.00", "value: lots") == [
        f"{DEAL_FILE}:7:8: error: value: expected a number, not 'lots' [schema]"]
    assert check_with(filled, "value: lots", "value: '48000'") == [
        f"{DEAL_FILE}:7:8: error: value: expected a number, not the text '48000' (remove the "
        "quotes) [schema]"]


def test_a_bad_lost_reason_is_not_also_missing(filled: Repo):
    lines = check_with(filled, "status: open\n",
                       "status: lost\nlost_reason: 12\nlost_date: 2026-11-01\n")
    assert lines == [f"{DEAL_FILE}:7:14: error: lost_reason: expected text [schema]"]


def test_deal_set_names_the_field_and_value(filled: Repo):
    before = filled.state()
    result = filled.run("deal", "set", "acme-erp", "currency=EURO")
    assert result.exit_code == 2  # a value typed on the command line: a usage error
    assert result.stderr == ("Error: currency: 'EURO' is not a 3-letter currency code such "
                             "as EUR; nothing was changed\n")
    assert filled.state() == before


@pytest.mark.parametrize("day", ["1900-01-01", "1969-12-31", "2100-01-01", "2999-11-01"])
def test_a_date_git_cannot_record_is_refused_before_anything_is_written(repo: Repo, day: str):
    before = repo.state()
    result = repo.run("account", "add", "Old Co", "--date", day)
    assert result.exit_code == 2, result.output
    assert (f"--date {day} is ahead of now" if day > "2099" else  # no change is dated ahead
            f"invalid date {day}: git records dates from 1970-01-01 to 2099-12-31"
            ) in result.output
    assert repo.state() == before
    assert not (repo.root / "accounts" / day[:7]).exists()


def test_a_failed_commit_leaves_no_new_month_folder(repo: Repo):
    before = repo.state()
    lock = repo.root / ".git" / "index.lock"
    lock.write_text("")
    result = repo.run("account", "add", "Acme", "--date", "2026-05-04")
    lock.unlink()
    assert result.exit_code == 1, result.output
    assert repo.state() == before
    assert not (repo.root / "accounts" / "2026-05").exists()
