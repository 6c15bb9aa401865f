"""Account roll-up (seed 004): a parent account sees its children's deals."""

from __future__ import annotations

import json

import pytest
from conftest import Repo


def _account(repo: Repo, account_id: str, parent: str | None = None) -> None:
    repo.write(f"accounts/2026-10/{account_id}.yaml", f"""
        id: {account_id}
        name: {account_id.title()}
        {'parent: ' + parent if parent else ''}
        """)


def _deal(repo: Repo, deal_id: str, account: str, value: str, status: str = "open",
          currency: str = "EUR") -> None:
    closed = {"won": "won_date: 2026-11-01\n", "lost": "lost_date: 2026-11-01\n"
              "lost_reason: budget\n"}.get(status, "")
    repo.write(f"deals/2026-10/{deal_id}.yaml", f"""
id: {deal_id}
title: {deal_id}
account: {account}
stage: needs-analysis
status: {status}
value: {value}
currency: {currency}
close_date: 2027-01-31
created: 2026-10-01
""" + closed)


@pytest.fixture
def group(repo: Repo) -> Repo:
    """acme-group > acme-oy > acme-logistics, and beta-oy outside the family."""
    _account(repo, "acme-group")
    _account(repo, "acme-oy", "acme-group")
    _account(repo, "acme-logistics", "acme-oy")
    _account(repo, "beta-oy")
    _deal(repo, "group-deal", "acme-group", "1000")
    _deal(repo, "oy-deal", "acme-oy", "2000")
    _deal(repo, "oy-won", "acme-oy", "500", "won")
    _deal(repo, "logistics-lost", "acme-logistics", "300", "lost")
    _deal(repo, "logistics-usd", "acme-logistics", "70", currency="USD")
    _deal(repo, "beta-deal", "beta-oy", "9999")
    repo.commit()
    return repo


def _ids(repo: Repo, *args: str) -> list[str]:
    r = repo.run("deal", "list", "--format", "json", *args)
    assert r.exit_code == 0, r.output
    return sorted(d["id"] for d in json.loads(r.stdout))


def test_deal_list_of_a_parent_includes_its_children_recursively(group: Repo):
    assert _ids(group, "--account", "acme-group") == ["group-deal", "logistics-usd", "oy-deal"]
    assert _ids(group, "--account", "acme-oy", "--status", "all") == [
        "logistics-lost", "logistics-usd", "oy-deal", "oy-won"]
    assert _ids(group, "--account", "acme-logistics") == ["logistics-usd"]


def test_no_children_keeps_the_account_alone(group: Repo):
    assert _ids(group, "--account", "acme-group", "--no-children") == ["group-deal"]
    assert _ids(group, "--account", "acme-oy", "--no-children", "--status", "all") == [
        "oy-deal", "oy-won"]


def test_a_parent_cycle_made_by_hand_ends(group: Repo):
    _account(group, "acme-group", "acme-logistics")  # group -> logistics -> oy -> group
    assert _ids(group, "--account", "acme-oy") == ["group-deal", "logistics-usd", "oy-deal"]
    shown = group.run("account", "show", "acme-oy")
    assert shown.exit_code == 0


def test_account_show_lists_children_deals_and_totals_per_currency(group: Repo):
    r = group.run("account", "show", "acme-group", "--format", "csv")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "Child accounts" in out
    assert "acme-oy,Acme-Oy,acme-group," in out and "acme-logistics,Acme-Logistics,acme-oy," in out
    assert "beta" not in out
    assert "Deals (with child accounts)" in out
    for deal in ("group-deal", "oy-deal", "oy-won", "logistics-lost", "logistics-usd"):
        assert deal in out
    totals = out.split("Totals", 1)[1].strip().splitlines()
    assert totals == ["status,currency,count,value", "open,EUR,2,3000.00", "open,USD,1,70.00",
                      "won,EUR,1,500.00", "lost,EUR,1,300.00"]


def test_account_show_json_carries_the_rollup_beside_the_record(group: Repo):
    r = group.run("account", "show", "acme-oy", "--format", "json")
    shown = json.loads(r.stdout)
    assert shown["id"] == "acme-oy" and shown["parent"] == "acme-group"
    assert [c["id"] for c in shown["rollup"]["children"]] == ["acme-logistics"]
    assert sorted(d["id"] for d in shown["rollup"]["deals"]) == [
        "logistics-lost", "logistics-usd", "oy-deal", "oy-won"]
    assert {(t["status"], t["currency"]): (t["count"], t["value"])
            for t in shown["rollup"]["totals"]} == {
        ("open", "EUR"): (1, 2000.0), ("open", "USD"): (1, 70.0), ("won", "EUR"): (1, 500.0),
        ("lost", "EUR"): (1, 300.0)}


def test_account_show_without_children_or_deals_adds_nothing(group: Repo):
    out = group.run("account", "show", "beta-oy").stdout
    assert "Child accounts" not in out and "Deals\n" in out
    _account(group, "lonely-oy")
    out = group.run("account", "show", "lonely-oy").stdout
    assert "Child accounts" not in out and "Deals" not in out and "Totals" not in out


def test_reports_take_account_with_its_children(group: Repo):
    def report(*args: str) -> dict:
        r = group.run("report", *args, "--format", "json")
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)

    every = report("forecast")
    assert "account" not in every["filters"]
    mine = report("forecast", "--account", "acme-oy")
    assert mine["filters"]["account"] == "acme-oy"
    open_value = {(r["currency"]): r["value"] for r in mine["rows"] if r["category"] != "won"
                  and r["value"]}
    assert open_value == {"EUR": 2000.0, "USD": 70.0}
    alone = report("forecast", "--account", "acme-oy", "--no-children")
    assert {r["currency"]: r["value"] for r in alone["rows"]
            if r["category"] != "won" and r["value"]} == {"EUR": 2000.0}
    lost = report("lost", "--account", "acme-group")
    assert lost["totals"]["count"] == 1
    assert report("lost", "--account", "beta-oy")["totals"]["count"] == 0
    funnel = report("funnel", "--account", "acme-group", "--no-children")
    assert (funnel["totals"]["open"], funnel["totals"]["won"]) == (1, 0)
    r = group.run("report", "sources", "--account", "acme-oy")
    assert r.exit_code == 2 and "No such option '--account'" in r.output


def test_activity_report_and_dashboard_take_account_with_its_children(group: Repo):
    for n, (target, day) in enumerate((("deal:oy-deal", "2026-10-05"),
                                       ("account:acme-logistics", "2026-10-06"),
                                       ("deal:beta-deal", "2026-10-07"))):
        r = group.run("log", "call", target, f"Call {n}", "--date", day)
        assert r.exit_code == 0, r.output

    def activities(*args: str) -> int:
        r = group.run("report", "activity", "--format", "json", *args)
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)["totals"]["activities"]

    assert activities() == 3
    assert activities("--account", "acme-group") == 2  # oy-deal and acme-logistics
    assert activities("--account", "acme-group", "--no-children") == 0
    page = group.run("report", "dashboard", "--account", "acme-oy", "--out", "-").stdout
    assert "oy-deal" in page and "beta-deal" not in page
