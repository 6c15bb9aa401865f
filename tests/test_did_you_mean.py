"""A name the repository does not know is a one-line error with a did-you-mean (issue 18):
a filter value (owner, source, account), a command, a record ID."""

from __future__ import annotations

import json
import re

import pytest
from conftest import DEAL
from conftest import Repo
from conftest import beta_lead
from conftest import in_stage
from conftest import not_found
from conftest import refused
from conftest import replaced
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

OWNERS = "owners: anna, ville, sara"  # the settings' own first, then those on records only
SOURCES = "sources: website, referral, linkedin, event, outbound, partner, inbound, fair"


def owners(repo: Repo, names: str) -> None:
    settings = repo.root / "salescli.yaml"
    settings.write_text(re.sub(r"(?m)^owners: .*$", f"owners: [{names}]",
                               settings.read_text()))


@pytest.fixture
def crm(filled: Repo) -> Repo:
    """Owners anna and ville in the settings; sara, who left, still owns a lost deal;
    a lead from a source (`fair`) the settings do not list."""
    owners(filled, "anna, ville")
    text = replaced(DEAL, "acme-erp", "old-deal")
    text = replaced(text, "owner: anna", "owner: sara")
    filled.write("deals/2026-10/old-deal.yaml",
                 replaced(text, "status: open", "status: lost\nlost_reason: budget"))
    beta_lead(filled, source="fair", owner="ville")
    filled.commit("owners, a lost deal and a lead")
    return filled


REPORTS = ["funnel", "forecast", "cycle", "lost", "slips", "sources", "velocity", "changes",
           "activity"]
# every listing and report with the filters it takes
BY_OWNER = [["deal", "list"], ["lead", "list"], ["account", "list"], ["today"], ["stale"],
            *(["report", name] for name in REPORTS),
            ["report", "dashboard", "--out", "-"]]
BY_SOURCE = [["deal", "list"], ["lead", "list"], *(["report", name] for name in REPORTS),
             ["report", "dashboard", "--out", "-"]]


@pytest.mark.parametrize("args", BY_OWNER, ids=" ".join)
def test_an_unknown_owner_is_a_usage_error(crm: Repo, args: list[str]):
    refused(crm, [*args, "--owner", "vile"], 2,
            f"--owner: no owner `vile` (did you mean `ville`?); {OWNERS}")
    refused(crm, [*args, "--owner", "nobody"], 2, f"--owner: no owner `nobody`; {OWNERS}")


@pytest.mark.parametrize("args", BY_SOURCE, ids=" ".join)
def test_an_unknown_source_is_a_usage_error(crm: Repo, args: list[str]):
    refused(crm, [*args, "--source", "webiste"], 2,
            f"--source: no source `webiste` (did you mean `website`?); {SOURCES}")


def test_an_unknown_account_is_a_usage_error(crm: Repo):
    refused(crm, ["deal", "list", "--account", "acme-o"], 2,
            "--account: no account `acme-o` (did you mean `acme-oy`?); accounts: acme-oy")


def test_many_accounts_are_not_listed(crm: Repo):
    for n in range(13):
        crm.write(f"accounts/2026-10/a{n}.yaml", f"id: a{n}\nname: A{n}\ncreated: 2026-10-01\n")
    refused(crm, ["deal", "list", "--account", "nope"], 2,
            "--account: no account `nope`; see `salescli account list`")


@pytest.mark.parametrize("args,ids", [
    # an owner only on records (sara left) and a source only on records are known
    (["deal", "list", "--status", "all", "--owner", "sara"], ["old-deal"]),
    (["lead", "list", "--source", "fair"], ["beta-ltd"]),
    # a known owner with nothing to show is no error
    (["lead", "list", "--owner", "anna"], []),
    (["deal", "list", "--account", "acme-oy", "--source", "referral"], ["acme-erp"]),
    # --no-cache after the filter: the filter is checked without the record index too
    (["deal", "list", "--owner", "anna", "--no-cache"], ["acme-erp"]),
], ids=lambda v: " ".join(v) if isinstance(v, list) and v and "-" in v[-1] else None)
def test_a_known_value_filters(crm: Repo, args: list[str], ids: list[str]):
    result = crm.run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.stdout)] == ids


def test_no_owners_anywhere(repo: Repo):
    owners(repo, "")
    refused(repo, ["deal", "list", "--owner", "anna"], 2,
            "--owner: no owner `anna`; there are no owners (see `owners:` in salescli.yaml)")


def test_an_unknown_stage_or_pipeline_suggests_one(crm: Repo):
    refused(crm, ["deal", "list", "--stage", "propsal"], 2,
            "--stage: no stage `propsal` in any pipeline (did you mean `proposal`?); choose "
            "one of: needs-analysis, proposal, negotiation, contracting")
    refused(crm, ["report", "funnel", "--pipeline", "defualt"], 2,
            "--pipeline: no pipeline `defualt` in pipelines/ (did you mean `default`?); "
            "choose one of: default")


def test_an_account_listings_own_filters_are_known_values(crm: Repo):
    # `account list --industry nope` printed (none), exit 0: a typo read as no records
    crm.edit("accounts/2026-10/acme-oy.yaml", "name: Acme Oy",
             "name: Acme Oy\nindustry: manufacturing\nregion: Uusimaa\ntags: [key-account, "
             "nordics, 'north, east']")
    crm.commit("acme's industry, region and tags")
    for option, typo, message in (
            ("--industry", "manufacturin", "no industry `manufacturin` (did you mean "
             "`manufacturing`?); industries: manufacturing"),
            ("--region", "uusimaa", "no region `uusimaa` (did you mean `Uusimaa`?); regions: "
             "Uusimaa"),
            ("--tag", "nordic", "no tag `nordic` (did you mean `nordics`?); tags: key-account, "
             "nordics, north, east")):
        refused(crm, ["account", "list", option, typo], 2, f"{option}: {message}")
    for option, value in (("--industry", "manufacturing"), ("--region", "Uusimaa"),
                          ("--tag", "nordics"), ("--tag", "north, east")):
        rows = json.loads(crm.run("account", "list", option, value, "--format", "json").stdout)
        assert [r["id"] for r in rows] == ["acme-oy"], (option, rows)


def test_a_stage_no_pipeline_has_finds_the_deals_still_in_it(crm: Repo):
    """After a stage's `id` is renamed, its deals are found by the old one, to be moved."""
    in_stage(crm, "deals/2026-10/acme-erp.yaml", "proposal")
    path = crm.root / "pipelines/default.yaml"
    path.write_text(replaced(path.read_text(), "- id: proposal", "- id: offer"))
    crm.commit("proposal is offer now")
    for extra in ([], ["--no-cache"]):
        rows = json.loads(crm.run("deal", "list", "--stage", "proposal", "--format", "json",
                                  *extra).stdout)
        assert [r["id"] for r in rows] == ["acme-erp"]
    refused(crm, ["deal", "list", "--stage", "propsal"], 2,
            "--stage: no stage `propsal` in any pipeline; choose one of: needs-analysis, "
            "offer, negotiation, contracting")


def test_an_unknown_stage_with_a_broken_pipeline_says_it_cannot_be_read(crm: Repo):
    """It said `choose one of: ` and nothing: the pipeline that has the stages is broken."""
    in_stage(crm, "deals/2026-10/acme-erp.yaml", "proposal")
    with (crm.root / "pipelines/default.yaml").open("a") as pipeline:
        pipeline.write("stages: [unclosed\n")  # a second `stages:`, and unclosed
    refused(crm, ["deal", "list", "--stage", "nowhere"], 2,
            "--stage: no stage `nowhere` in any pipeline that can be read "
            "(pipelines/default.yaml cannot: see `salescli check`)")
    # a stage deals are in is still found: a listing does not need the pipeline
    rows = json.loads(crm.run("deal", "list", "--stage", "proposal", "--format", "json").stdout)
    assert [r["id"] for r in rows] == ["acme-erp"]



# ------------------------------------------------------------------ commands

@pytest.mark.parametrize("args,message", [
    (["deals", "list"], "no command `deals` (did you mean `deal`?)"),
    (["reprot"], "no command `reprot` (did you mean `report`?)"),
    (["frobnicate"], "no command `frobnicate`; see `salescli --help`"),
    (["deal", "advnce", "acme-erp"],
     "no command `advnce` in `salescli deal` (did you mean `advance`?)"),
    (["deal", "item", "ad", "acme-erp"],
     "no command `ad` in `salescli deal item` (did you mean `add`?)"),
    (["report", "funel"], "no command `funel` in `salescli report` (did you mean `funnel`?)"),
    (["lead", "frobnicate"], "no command `frobnicate` in `salescli lead`; see "
                             "`salescli lead --help`"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_an_unknown_command_suggests_one(crm: Repo, args: list[str], message: str):
    refused(crm, args, 2, message)


# ---------------------------------------------------------------- record IDs

@pytest.mark.parametrize("args,message", [
    (["deal", "show", "acme-er"], not_found("deal", "acme-er", "acme-erp")),
    (["deal", "advance", "acme-erq"], not_found("deal", "acme-erq", "acme-erp")),
    (["deal", "reopen", "old-dael", "--reason", "Back"], not_found("deal", "old-dael", "old-deal")),
    (["lead", "qualify", "beta-lt"], not_found("lead", "beta-lt", "beta-ltd")),
    (["account", "show", "acme"], not_found("account", "acme", "acme-oy")),
    (["deal", "add", "X", "--account", "acme-o", "--close-date", "2027-01-01"],
     not_found("account", "acme-o", "acme-oy")),
    # a target of any kind: the nearest ID of any kind
    (["log", "call", "beta-lt", "Intro"], not_found("record", "beta-lt", "beta-ltd")),
    (["log", "call", "deal:acme-er", "Intro"], not_found("deal", "acme-er", "acme-erp")),
    # nothing near: the error alone
    (["deal", "show", "zzz"], not_found("deal", "zzz")),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_an_unknown_id_suggests_one(crm: Repo, args: list[str], message: str):
    refused(crm, args, 1, message)


@settings(max_examples=300, deadline=None)
@given(st.text("abcde-", max_size=8),
       st.lists(st.text("abcde-", max_size=8), max_size=12))
def test_nearest_is_difflibs_closest_match(value: str, choices: list[str]):
    # the rising cutoff only skips what could not win: the same answer, ties included
    import difflib

    from salescli.core.words import nearest

    expected = difflib.get_close_matches(value, [c for c in choices if c], n=1)
    assert nearest(value, choices) == (expected[0] if expected else None)
