"""Reports checked figure by figure against hand-computed numbers (SPEC §6, §7).

Every test builds a small history by hand: real CLI commands with `--date`, and hand
edits of the YAML committed with a backdated author date (hand edits that skip stages,
move back, change owners). Each expected figure is a literal with its arithmetic in a
comment. Event times are noon UTC (what `--date DAY` means); `--as-of DAY` is the end of
that day, so a deal still in a stage gains an extra half day on the day it is read.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from conftest import refused

# ------------------------------------------------------------------------ helpers


def at(when: str) -> str:
    """A git date: a bare day means noon UTC, like `--date`."""
    return f"{when}T12:00:00+00:00" if len(when) == 10 else when


def git_at(repo: Repo, when: str, *args: str, committed: str | None = None) -> str:
    """Run git with author date `when` (and committer date `committed` or `when`)."""
    env = {**os.environ, "GIT_AUTHOR_DATE": at(when),
           "GIT_COMMITTER_DATE": at(committed or when)}
    out = subprocess.run(["git", *args], cwd=repo.root, env=env, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def commit_at(repo: Repo, when: str, message: str = "hand edit",
              committed: str | None = None) -> None:
    repo.git("add", "-A")
    git_at(repo, when, "commit", "-qm", message, committed=committed)


def cli(repo: Repo, *args: str) -> str:
    """A salescli command; its commit's committer date follows its `--date`."""
    saved = os.environ.get("GIT_COMMITTER_DATE")
    if "--date" in args:
        os.environ["GIT_COMMITTER_DATE"] = at(args[args.index("--date") + 1])
    try:
        r = repo.run(*args)
    finally:
        if saved is None:
            os.environ.pop("GIT_COMMITTER_DATE", None)
        else:
            os.environ["GIT_COMMITTER_DATE"] = saved
    assert r.exit_code == 0, (args, r.output)
    return r.output


def deal_path(repo: Repo, deal: str) -> Path:
    found = list(repo.root.glob(f"deals/*/{deal}.yaml"))
    assert len(found) == 1, (deal, found)
    return found[0]


def write_deal(repo: Repo, deal: str, when: str, *, created: str | None = None,
               stage: str = "needs-analysis", value: str = "10000.00", currency: str = "EUR",
               close_date: str = "2026-12-31", owner: str = "anna", source: str = "website",
               extra: str = "", commit: bool = True, month: str | None = None) -> None:
    """A deal written by hand, the way users write YAML, committed at `when`."""
    created = created or when[:10]
    month = month or created[:7]
    repo.write(f"deals/{month}/{deal}.yaml", textwrap.dedent(f"""
        id: {deal}
        title: {deal.title()} deal
        account: acme-oy
        pipeline: default
        stage: {stage}
        status: open
        value: {value}
        currency: {currency}
        close_date: {close_date}
        owner: {owner}
        source: {source}
        created: {created}
        """) + textwrap.dedent(extra))
    if commit:
        commit_at(repo, when, f"hand: add {deal}")


def edit_deal(repo: Repo, deal: str, when: str | None, **fields: str) -> None:
    """Change top-level fields of a deal's file by hand; commit at `when` (if given)."""
    path = deal_path(repo, deal)
    text = path.read_text()
    for key, value in fields.items():
        line = f"{key}: {value}"
        text, n = re.subn(rf"^{key}:.*$", line, text, flags=re.M)
        if not n:
            text += line + "\n"
    path.write_text(text)
    if when:
        commit_at(repo, when, f"hand: {deal} {fields}")


def report(repo: Repo, name: str, *args: str) -> dict[str, Any]:
    """The report's JSON; the cached run and a `--no-cache` run must agree."""
    r = repo.run("report", name, "--format", "json", *args)
    assert r.exit_code == 0, r.output
    cached = json.loads(r.stdout)
    r = repo.run("report", name, "--format", "json", "--no-cache", *args)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == cached, f"--no-cache differs for {name} {args}"
    assert cached["report"] == name
    return cached


def rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows with `deals` lists sorted (SPEC does not order the IDs in a row)."""
    out = []
    for row in payload["rows"]:
        row = dict(row)
        if "deals" in row:
            row["deals"] = sorted(row["deals"])
        out.append(row)
    return out


def changes(repo: Repo, *args: str, on: str | None = None) -> list[dict[str, Any]]:
    """The rows of the `changes` report for `args` (see rows()); `on`: of that one day,
    since and until it."""
    return rows(report(repo, "changes", *args, *(("--since", on, "--until", on) if on else ())))


def change_rows(spec: dict[str, tuple]) -> list[dict[str, Any]]:
    """Expected `changes` rows: every kind in order; a kind not given is zero in EUR."""
    kinds = ("new", "advanced", "moved-back", "won", "lost", "value-up", "value-down",
             "slipped", "new-leads", "converted")
    out = []
    for kind in kinds:
        entries = spec.get(kind)
        if entries is None:
            lead = kind in ("new-leads", "converted")
            entries = [(None, 0, None, [])] if lead else [("EUR", 0, 0, [])]
        elif not isinstance(entries, list):
            entries = [entries]
        for currency, count, value, deals in entries:
            out.append({"change": kind, "currency": currency, "count": count,
                        "value": value, "deals": sorted(deals)})
    return out


@pytest.fixture
def crm(repo: Repo) -> Repo:
    return make_crm(repo)


def make_crm(repo: Repo) -> Repo:
    """The default preset with owners anna and ville and one account, in December 2025."""
    settings = repo.root / "salescli.yaml"
    settings.write_text(re.sub(r"^owners: .*$", "owners: [anna, ville]", settings.read_text(),
                               flags=re.M))
    # the reports count a deal won from any stage as having reached them all: these
    # histories win deals from needs-analysis too, as this pipeline lets them
    repo.edit("pipelines/default.yaml", "won: {requires: []}",
              "won: {requires: [], from: [needs-analysis, proposal, negotiation, contracting]}")
    repo.write("accounts/2025-12/acme-oy.yaml", """
        id: acme-oy
        name: Acme Oy
        owner: ville
        created: 2025-12-01
        contacts:
          - id: matti
            name: Matti Virtanen
            role: economic-buyer
        """)
    commit_at(repo, "2025-12-01", "setup")
    return repo


# ------------------------------------------------------ one linear history, Q1 2026

# Seven deals of the default pipeline (needs-analysis 10 %, proposal 30 %,
# negotiation 60 %, contracting 80 %), built in this order (all at noon UTC):
#
#   alpha    cli add 01-05 EUR 10000 close 03-31 anna website; hand -> proposal 01-15;
#            hand -> contracting 02-04 (skips negotiation); cli win 02-14
#   epsilon  hand add 01-08 with created: 2025-12-20 (an import) EUR 3000 close 01-31
#            anna event; cli close_date 03-31 on 01-25 (slip); cli win 03-20 (from n-a)
#   beta     cli add 01-10 EUR 20000 close 02-28 ville referral; cli close 03-31 on 01-20
#            (slip); hand -> proposal 02-10; cli close 04-30 on 03-01 (slip); cli lose
#            price 03-11 (at proposal)
#   eta      cli add 01-12 EUR 7000 close 04-30 ville website; cli lose budget 02-25
#   gamma    cli add 02-01 EUR 5000 close 04-15 anna website; hand -> proposal and value
#            6000 on 02-11; hand -> negotiation 03-03; cli close 04-10 on 03-05 (earlier:
#            no slip); hand back to proposal 03-10; hand -> negotiation 03-15; cli value
#            5500 on 03-18
#   delta    hand add 02-20 USD 8000 close 05-31 ville referral, probability 75;
#            cli value 9000 on 03-27
#   zeta     hand add 03-02 EUR 4000 close 06-30 anna website, forecast: omit; hand owner
#            ville 03-25; cli close 07-31 on 03-30 (slip)


def build_q1(repo: Repo) -> Repo:
    add = ("deal", "add")
    cli(repo, *add, "Alpha", "--account", "acme-oy", "--id", "alpha", "--value", "10000",
        "--close-date", "2026-03-31", "--owner", "anna", "--source", "website",
        "--date", "2026-01-05")
    write_deal(repo, "epsilon", "2026-01-08", created="2025-12-20", value="3000.00",
               close_date="2026-01-31", source="event", month="2026-01")
    cli(repo, *add, "Beta", "--account", "acme-oy", "--id", "beta", "--value", "20000",
        "--close-date", "2026-02-28", "--owner", "ville", "--source", "referral",
        "--date", "2026-01-10")
    cli(repo, *add, "Eta", "--account", "acme-oy", "--id", "eta", "--value", "7000",
        "--close-date", "2026-04-30", "--owner", "ville", "--source", "website",
        "--date", "2026-01-12")
    edit_deal(repo, "alpha", "2026-01-15", stage="proposal")
    cli(repo, "deal", "set", "beta", "close_date=2026-03-31", "--date", "2026-01-20")
    cli(repo, "deal", "set", "epsilon", "close_date=2026-03-31", "--date", "2026-01-25")
    cli(repo, *add, "Gamma", "--account", "acme-oy", "--id", "gamma", "--value", "5000",
        "--close-date", "2026-04-15", "--owner", "anna", "--source", "website",
        "--date", "2026-02-01")
    edit_deal(repo, "alpha", "2026-02-04", stage="contracting")
    edit_deal(repo, "beta", "2026-02-10", stage="proposal")
    edit_deal(repo, "gamma", "2026-02-11", stage="proposal", value="6000.00")
    cli(repo, "deal", "win", "alpha", "--date", "2026-02-14")
    write_deal(repo, "delta", "2026-02-20", value="8000.00", currency="USD",
               close_date="2026-05-31", owner="ville", source="referral",
               extra="probability: 75\n")
    cli(repo, "deal", "lose", "eta", "--reason", "budget", "--date", "2026-02-25")
    cli(repo, "deal", "set", "beta", "close_date=2026-04-30", "--date", "2026-03-01")
    write_deal(repo, "zeta", "2026-03-02", value="4000.00", close_date="2026-06-30",
               extra="forecast: omit\n")
    edit_deal(repo, "gamma", "2026-03-03", stage="negotiation")
    cli(repo, "deal", "set", "gamma", "close_date=2026-04-10", "--date", "2026-03-05")
    edit_deal(repo, "gamma", "2026-03-10", stage="proposal")
    cli(repo, "deal", "lose", "beta", "--reason", "price", "--date", "2026-03-11")
    edit_deal(repo, "gamma", "2026-03-15", stage="negotiation")
    cli(repo, "deal", "set", "gamma", "value=5500", "--date", "2026-03-18")
    cli(repo, "deal", "win", "epsilon", "--date", "2026-03-20")
    edit_deal(repo, "zeta", "2026-03-25", owner="ville")
    cli(repo, "deal", "set", "delta", "value=9000", "--date", "2026-03-27")
    cli(repo, "deal", "set", "zeta", "close_date=2026-07-31", "--date", "2026-03-30")
    return repo


@pytest.fixture
def q1(crm: Repo) -> Repo:
    return build_q1(crm)


def funnel_row(stage: str, reached: int, conversion: float | None, lost_here: int,
               open_here: int, median_days: float | None) -> dict[str, Any]:
    return {"stage": stage, "reached": reached, "conversion": conversion,
            "lost_here": lost_here, "open_here": open_here, "median_days": median_days}


def cycle_row(group: str, count: int, median_days: float, mean_days: float,
              p75_days: float) -> dict[str, Any]:
    return {"group": group, **cycle_totals(count, median_days, mean_days, p75_days)}


def cycle_totals(count: int, median_days: float, mean_days: float,
                 p75_days: float) -> dict[str, Any]:
    return {"count": count, "median_days": median_days, "mean_days": mean_days,
            "p75_days": p75_days}


def forecast_row(period: str, category: str, count: int, value: float, weighted: float,
                 currency: str = "EUR") -> dict[str, Any]:
    return {"period": period, "category": category, "currency": currency, "count": count,
            "value": value, "weighted": weighted}


def test_funnel_at_three_dates(q1: Repo):
    # 2026-03-31: all seven deals were created by then (epsilon on 2025-12-20).
    # reached: n-a 7; proposal alpha beta gamma + epsilon (won) = 4; negotiation alpha
    # (skipped it, won), gamma, epsilon (won) = 3; contracting alpha, epsilon = 2.
    # days in needs-analysis: alpha 01-05..01-15 = 10, beta 01-10..02-10 = 31,
    # gamma 02-01..02-11 = 10, delta 02-20 noon..03-31 end = 39.5, epsilon 12-20..03-20 =
    # 90 (won there), eta 01-12..02-25 = 44 (lost there), zeta 03-02 noon..03-31 end =
    # 29.5 -> sorted 10 10 29.5 31 39.5 44 90 -> median 31.
    # proposal: alpha 01-15..02-04 = 20; beta 02-10..03-11 = 29; gamma two stints
    # 02-11..03-03 = 20 + 03-10..03-15 = 5 -> 25 -> median 25.
    # negotiation: gamma 03-03..03-10 = 7 + 03-15 noon..03-31 end = 16.5 -> 23.5.
    # contracting: alpha 02-04..02-14 = 10.
    out = report(q1, "funnel", "--as-of", "2026-03-31")
    assert out["as_of"] == "2026-03-31"
    assert out["filters"] == {"since": None, "until": None, "pipeline": "default",
                              "owner": None, "source": None}
    assert out["rows"] == [
        funnel_row("needs-analysis", 7, 0.5714, 1, 2, 31.0),   # 4/7; eta lost; delta zeta
        funnel_row("proposal", 4, 0.75, 1, 0, 25.0),           # 3/4; beta lost
        funnel_row("negotiation", 3, 0.6667, 0, 1, 23.5),      # 2/3; gamma open
        funnel_row("contracting", 2, 1.0, 0, 0, 10.0),         # won 2 / 2
    ]
    assert out["totals"] == {"deals": 7, "won": 2, "lost": 2, "open": 3, "win_rate": 0.5}

    # 2026-01-31: alpha (proposal since 01-15), epsilon, beta, eta (all in n-a).
    # n-a days: alpha 10, beta 01-10 noon..01-31 end 21.5, epsilon 12-20 noon..01-31 end
    # 42.5, eta 01-12 noon..01-31 end 19.5 -> median (19.5 + 21.5) / 2 = 20.5.
    # proposal: alpha 01-15 noon..01-31 end = 16.5.
    out = report(q1, "funnel", "--as-of", "2026-01-31")
    assert out["as_of"] == "2026-01-31"
    assert out["rows"] == [
        funnel_row("needs-analysis", 4, 0.25, 0, 3, 20.5),     # 1/4
        funnel_row("proposal", 1, 0.0, 0, 1, 16.5),            # 0/1
        funnel_row("negotiation", 0, None, 0, 0, None),
        funnel_row("contracting", 0, None, 0, 0, None),
    ]
    assert out["totals"] == {"deals": 4, "won": 0, "lost": 0, "open": 4, "win_rate": None}

    # 2026-02-15: alpha won 02-14; beta proposal 02-10; gamma proposal 02-11; epsilon, eta
    # in n-a. reached: 5; alpha beta gamma = 3; alpha (won) = 1; alpha = 1.
    # n-a: alpha 10, beta 31, gamma 10, epsilon 12-20 noon..02-15 end 57.5, eta 01-12
    # noon..02-15 end 34.5 -> median 31. proposal: alpha 20, beta 5.5, gamma 4.5 -> 5.5.
    out = report(q1, "funnel", "--as-of", "2026-02-15")
    assert out["rows"] == [
        funnel_row("needs-analysis", 5, 0.6, 0, 2, 31.0),      # 3/5
        funnel_row("proposal", 3, 0.3333, 0, 2, 5.5),          # 1/3
        funnel_row("negotiation", 1, 1.0, 0, 0, None),         # alpha skipped it: no days
        funnel_row("contracting", 1, 1.0, 0, 0, 10.0),         # won 1 / 1
    ]
    assert out["totals"] == {"deals": 5, "won": 1, "lost": 0, "open": 4, "win_rate": 1.0}


def test_funnel_window_and_owner_filter(q1: Repo):
    # --owner anna as of 03-31: alpha, epsilon, gamma (zeta became ville's on 03-25).
    # reached 3; proposal alpha epsilon gamma 3; negotiation 3; contracting alpha epsilon 2.
    # n-a: 10, 10, 90 -> 10; proposal: alpha 20, gamma 25 -> 22.5; negotiation: gamma 23.5.
    out = report(q1, "funnel", "--as-of", "2026-03-31", "--owner", "anna")
    assert out["rows"] == [
        funnel_row("needs-analysis", 3, 1.0, 0, 0, 10.0),
        funnel_row("proposal", 3, 1.0, 0, 0, 22.5),
        funnel_row("negotiation", 3, 0.6667, 0, 1, 23.5),      # 2/3
        funnel_row("contracting", 2, 1.0, 0, 0, 10.0),
    ]
    assert out["totals"] == {"deals": 3, "won": 2, "lost": 0, "open": 1, "win_rate": 1.0}
    # --since 2026-02-01: population gamma (02-01), delta (02-20), zeta (03-02).
    # reached: 3; gamma 1; gamma 1; 0. n-a: gamma 10, delta 39.5, zeta 29.5 -> 29.5.
    out = report(q1, "funnel", "--as-of", "2026-03-31", "--since", "2026-02-01")
    assert out["rows"] == [
        funnel_row("needs-analysis", 3, 0.3333, 0, 2, 29.5),
        funnel_row("proposal", 1, 1.0, 0, 0, 25.0),
        funnel_row("negotiation", 1, 0.0, 0, 1, 23.5),
        funnel_row("contracting", 0, None, 0, 0, None),
    ]
    assert out["totals"] == {"deals": 3, "won": 0, "lost": 0, "open": 3, "win_rate": None}


def test_the_deals_created_in_the_window_are_the_same_made_alone_or_from_all(q1: Repo):
    """The funnel makes only the window's deals; a report that made every deal first
    (the dashboard) filters those: the same deals, the same funnel."""
    from salescli.core.reports import funnel
    from salescli.services.reports import build_book

    window = {"as_of": "2026-03-31", "since": "2026-02-01", "until": None, "pipeline": None,
              "owner": None, "source": None, "no_cache": False}
    alone = build_book(q1.repo, window, print)
    made = [(d.id, d.stage, d.status, d.value) for d in alone.created_in_window()]
    first = funnel(alone)
    every = build_book(q1.repo, window, print)
    assert len(every.deals) > len(made) == 3
    assert [(d.id, d.stage, d.status, d.value) for d in every.created_in_window()] == made
    assert funnel(every) == first


def test_forecast_by_month_and_quarter(q1: Repo):
    # As of 03-31, open: gamma EUR 5500 negotiation 60 % -> best-case, closes 04-10;
    # delta USD 9000 probability 75 -> commit, closes 05-31; zeta forecast: omit.
    # won rows for every month won in, from the first day of the as-of quarter (01-01):
    # alpha won 02-14 EUR 10000, epsilon won 03-20 EUR 3000.
    out = report(q1, "forecast", "--as-of", "2026-03-31")
    assert out["rows"] == [
        forecast_row("2026-02", "won", 1, 10000.0, 10000.0),
        forecast_row("2026-03", "won", 1, 3000.0, 3000.0),
        forecast_row("2026-04", "best-case", 1, 5500.0, 3300.0),       # 5500 x 60 / 100
        forecast_row("2026-05", "commit", 1, 9000.0, 6750.0, "USD"),  # 9000 x 75 / 100
    ]
    assert out["totals"] == {"open": {"EUR": {"count": 1, "value": 5500.0, "weighted": 3300.0},
                                      "USD": {"count": 1, "value": 9000.0,
                                              "weighted": 6750.0}}}
    # by quarter: 2026-Q1 won alpha 10000 + epsilon 3000; Q2 delta (commit), gamma (best).
    out = report(q1, "forecast", "--as-of", "2026-03-31", "--by", "quarter")
    assert out["rows"] == [
        forecast_row("2026-Q1", "won", 2, 13000.0, 13000.0),
        forecast_row("2026-Q2", "commit", 1, 9000.0, 6750.0, "USD"),
        forecast_row("2026-Q2", "best-case", 1, 5500.0, 3300.0),
    ]
    # As of 02-15, open: beta EUR 20000 proposal 30 % close 03-31, epsilon 3000 n-a 10 %
    # close 03-31, eta 7000 n-a close 04-30, gamma 6000 proposal close 04-15.
    # 2026-03 pipeline: 2, 23000, 6000 + 300 = 6300; 2026-04: 2, 13000, 700 + 1800 = 2500;
    # won since 01-01: alpha 10000 on 02-14.
    out = report(q1, "forecast", "--as-of", "2026-02-15")
    assert out["rows"] == [
        forecast_row("2026-02", "won", 1, 10000.0, 10000.0),
        forecast_row("2026-03", "pipeline", 2, 23000.0, 6300.0),
        forecast_row("2026-04", "pipeline", 2, 13000.0, 2500.0),
    ]
    assert out["totals"] == {"open": {"EUR": {"count": 4, "value": 36000.0,
                                              "weighted": 8800.0}}}
    # --owner ville as of 03-31: delta only (zeta is ville's but omitted).
    out = report(q1, "forecast", "--as-of", "2026-03-31", "--owner", "ville")
    assert out["rows"] == [
        forecast_row("2026-05", "commit", 1, 9000.0, 6750.0, "USD"),
    ]


def test_report_money_rounds_half_up_as_documents_do(crm: Repo):
    # 100.05 at 50 % is 50.025 and USD 100.05 at 0.9 is 90.045: half-up, 50.03 and
    # 90.05 (SPEC §8's rule for money; Decimal's default would give 50.02 and 90.04)
    crm.edit("salescli.yaml", "fx: {}", "fx: {USD: 0.9}")
    commit_at(crm, "2026-01-01", "rates")
    write_deal(crm, "a", "2026-02-01", value="100.05", currency="USD", close_date="2026-07-31")
    write_deal(crm, "b", "2026-02-01", value="100.05", close_date="2026-07-31",
               extra="probability: 50\n")
    out = report(crm, "forecast", "--as-of", "2026-03-01")
    assert [(r["category"], r["value"], r["weighted"]) for r in out["rows"]] == [
        ("best-case", 100.05, 50.03), ("pipeline", 90.05, 9.01)]

def test_forecast_overdue_period_and_won_rows_of_every_period(crm: Repo):
    # Won (all from needs-analysis): w1 EUR 1000 on 01-20, w2 EUR 2000 on 02-10, w3 USD
    # 4000 on 02-12, w4 EUR 8000 on 04-15. Open as of 04-30: o1 EUR 10000 n-a 10 % close
    # 03-31 (overdue, pipeline); o4 EUR 3000 probability 75 close 04-29 (overdue, commit);
    # o3 EUR 6000 close 04-30, due on the as-of day itself (not overdue); o2 EUR 5000
    # probability 80 close 05-31 (commit).
    add = ("deal", "add")
    for deal, value, currency, close, day in (
            ("w1", "1000", "EUR", "2026-02-28", "2026-01-05"),
            ("w2", "2000", "EUR", "2026-02-28", "2026-01-06"),
            ("w3", "4000", "USD", "2026-02-28", "2026-01-07"),
            ("w4", "8000", "EUR", "2026-04-30", "2026-01-08"),
            ("o1", "10000", "EUR", "2026-03-31", "2026-01-09"),
            ("o3", "6000", "EUR", "2026-04-30", "2026-01-10")):
        cli(crm, *add, deal.upper(), "--account", "acme-oy", "--id", deal, "--value", value,
            "--currency", currency, "--close-date", close, "--date", day)
    write_deal(crm, "o2", "2026-01-11", value="5000.00", close_date="2026-05-31",
               extra="probability: 80\n")
    write_deal(crm, "o4", "2026-01-12", value="3000.00", close_date="2026-04-29",
               extra="probability: 75\n")
    for deal, day in (("w1", "2026-01-20"), ("w2", "2026-02-10"), ("w3", "2026-02-12"),
                      ("w4", "2026-04-15")):
        cli(crm, "deal", "win", deal, "--date", day)

    window = ("--as-of", "2026-04-30", "--since", "2026-01-01", "--until", "2026-06-30")
    monthly = report(crm, "forecast", *window)
    assert monthly["rows"] == [
        forecast_row("overdue", "commit", 1, 3000.0, 2250.0),      # o4: 3000 x 75 / 100
        forecast_row("overdue", "pipeline", 1, 10000.0, 1000.0),   # o1, not under 2026-03
        forecast_row("2026-01", "won", 1, 1000.0, 1000.0),         # no open deal closes
        forecast_row("2026-02", "won", 1, 2000.0, 2000.0),         # in these months
        forecast_row("2026-02", "won", 1, 4000.0, 4000.0, "USD"),
        forecast_row("2026-04", "won", 1, 8000.0, 8000.0),
        forecast_row("2026-04", "pipeline", 1, 6000.0, 600.0),     # o3: due today
        forecast_row("2026-05", "commit", 1, 5000.0, 4000.0),      # after the as-of date
    ]
    # the overdue deals count in the open totals
    assert monthly["totals"] == {"open": {"EUR": {"count": 4, "value": 24000.0,
                                                  "weighted": 7850.0}}}
    assert monthly["filters"]["until"] == "2026-06-30"  # as asked, past the as-of date
    quarterly = report(crm, "forecast", *window, "--by", "quarter")
    assert quarterly["rows"] == [
        forecast_row("overdue", "commit", 1, 3000.0, 2250.0),
        forecast_row("overdue", "pipeline", 1, 10000.0, 1000.0),
        forecast_row("2026-Q1", "won", 2, 3000.0, 3000.0),
        forecast_row("2026-Q1", "won", 1, 4000.0, 4000.0, "USD"),
        forecast_row("2026-Q2", "won", 1, 8000.0, 8000.0),
        forecast_row("2026-Q2", "commit", 1, 5000.0, 4000.0),
        forecast_row("2026-Q2", "pipeline", 1, 6000.0, 600.0),
    ]

    def won(payload: dict[str, Any], quarter: Callable[[str], str]) -> dict:
        out: dict[tuple[str, str], float] = {}
        for row in payload["rows"]:
            if row["category"] == "won":
                key = (quarter(row["period"]), row["currency"])
                out[key] = out.get(key, 0) + row["value"]
        return out

    def of_month(period: str) -> str:
        year, month = period.split("-")
        return f"{year}-Q{(int(month) - 1) // 3 + 1}"

    # a quarter's won row is the sum of its months' rows, in the window and by default
    assert won(quarterly, str) == won(monthly, of_month) \
        == {("2026-Q1", "EUR"): 3000.0, ("2026-Q1", "USD"): 4000.0, ("2026-Q2", "EUR"): 8000.0}
    # by default won rows start at the first day of the as-of quarter: 2026-04 only
    monthly = report(crm, "forecast", "--as-of", "2026-04-30")
    quarterly = report(crm, "forecast", "--as-of", "2026-04-30", "--by", "quarter")
    assert [r for r in monthly["rows"] if r["category"] == "won"] == [
        forecast_row("2026-04", "won", 1, 8000.0, 8000.0)]
    assert won(quarterly, str) == won(monthly, of_month) == {("2026-Q2", "EUR"): 8000.0}
    # a window after the as-of date: what is expected to close then, nothing won yet;
    # --since leaves out the overdue deals closing before it
    out = report(crm, "forecast", "--as-of", "2026-04-30", "--since", "2026-05-01",
                 "--until", "2026-06-30")
    assert out["rows"] == [forecast_row("2026-05", "commit", 1, 5000.0, 4000.0)]
    # as of 03-31 nothing is overdue yet: o1 closes that day; o4 is under 2026-04
    out = report(crm, "forecast", "--as-of", "2026-03-31")
    assert [r["period"] for r in out["rows"]] == ["2026-01", "2026-02", "2026-02", "2026-03",
                                                  "2026-04", "2026-04", "2026-05"]


def test_a_pipeline_that_cannot_be_read_is_the_error_where_its_stages_count(q1: Repo):
    """Its deals are never weighed at 0 % or left out of the funnel with exit 0 (a CI
    job would mail that); a report that needs no stages answers, and says nothing."""
    lost = report(q1, "lost")
    q1.edit("pipelines/default.yaml", "probability: 10", "probability: [10")
    q1.commit("a typo")
    for args in (("report", "funnel"), ("report", "forecast"), ("stale",), ("today",),
                 ("review", "HEAD~1..HEAD")):
        for cache in ((), ("--no-cache",)):
            r = q1.run(*args, *cache)
            assert r.exit_code == 1 and r.stdout == "", (args, r.output)
            assert r.stderr.startswith("Error: pipelines/default.yaml:"), (args, r.stderr)
            assert r.stderr.endswith("fix the file (see `salescli check`)\n"), r.stderr
    r = q1.run("report", "lost", "--format", "json")
    assert r.exit_code == 0 and r.stderr == "" and json.loads(r.stdout) == lost

def test_a_stage_the_pipeline_no_longer_has_is_said_not_silently_dropped(q1: Repo):
    for name in ("funnel", "forecast"):
        r = q1.run("report", name, "--as-of", "2026-03-31")
        assert r.exit_code == 0 and r.stderr == "", r.stderr
    q1.edit("pipelines/default.yaml", "- id: negotiation", "- id: negotiating")
    q1.commit("rename a stage's id")
    for args in (("report", "funnel"), ("report", "forecast"),
                 ("report", "changes", "--since", "2026-01-01"), ("review", "HEAD~12..HEAD")):
        r = q1.run(*args, *(("--as-of", "2026-03-31") if args[0] == "report" else ()))
        assert r.exit_code == 0, r.output
        assert r.stderr.startswith("warning: ") and "such as gamma, were in stage " \
            "`negotiation`, which pipeline `default` does not have: the report counts them " \
            "in no stage (weighted by their own probability, if any, else at 0 %); to rename " \
            "a stage, change its `name` and keep its `id`; `salescli deal list --stage " \
            "negotiation` lists the deals still in it" in r.stderr, (args, r.stderr)



def test_an_empty_cycle_report_has_the_same_keys(q1: Repo):
    # a quiet window: `totals.median_days` is null, not missing (a script read it)
    out = json.loads(q1.run("report", "cycle", "--since", "2026-03-25", "--until",
                            "2026-03-31", "--as-of", "2026-03-31", "--format", "json").stdout)
    assert out["totals"] == {"count": 0, "median_days": None, "mean_days": None,
                             "p75_days": None}

def test_cycle_by_every_grouping(q1: Repo):
    # won: alpha created 01-05 won 02-14 = 40 days; epsilon created 2025-12-20 (its
    # created: field, earlier than its commit 01-08) won 03-20 = 90 days.
    # median 65, mean 65, p75 = quantiles([40, 90], inclusive)[2] = 40 + 0.75 x 50 = 77.5
    out = report(q1, "cycle", "--as-of", "2026-03-31")
    assert out["rows"] == [cycle_row("all", 2, 65.0, 65.0, 77.5)]
    assert out["totals"] == cycle_totals(2, 65.0, 65.0, 77.5)
    out = report(q1, "cycle", "--as-of", "2026-03-31", "--by", "source")
    assert out["rows"] == [
        cycle_row("event", 1, 90.0, 90.0, 90.0),
        cycle_row("website", 1, 40.0, 40.0, 40.0),
    ]
    out = report(q1, "cycle", "--as-of", "2026-03-31", "--by", "owner")
    assert out["rows"] == [cycle_row("anna", 2, 65.0, 65.0, 77.5)]
    out = report(q1, "cycle", "--as-of", "2026-03-31", "--by", "start-month")
    assert out["rows"] == [
        cycle_row("2025-12", 1, 90.0, 90.0, 90.0),
        cycle_row("2026-01", 1, 40.0, 40.0, 40.0),
    ]
    # window on won_date: since 03-01 only epsilon; as of 02-28 only alpha.
    out = report(q1, "cycle", "--as-of", "2026-03-31", "--since", "2026-03-01")
    assert out["totals"] == cycle_totals(1, 90.0, 90.0, 90.0)
    out = report(q1, "cycle", "--as-of", "2026-02-28")
    assert out["rows"] == [cycle_row("all", 1, 40.0, 40.0, 40.0)]


def test_lost_by_reason_stage_and_source(q1: Repo):
    # lost: eta budget at needs-analysis 7000 website (02-25); beta price at proposal
    # 20000 referral (03-11). share = 1 / 2 each.
    out = report(q1, "lost", "--as-of", "2026-03-31")
    assert out["rows"] == [
        {"reason": "budget", "stage": "needs-analysis", "currency": "EUR", "count": 1,
         "value": 7000.0, "share": 0.5},
        {"reason": "price", "stage": "proposal", "currency": "EUR", "count": 1,
         "value": 20000.0, "share": 0.5},
    ]
    assert out["totals"] == {"count": 2, "value": {"EUR": 27000.0},
                             "by_reason": {"budget": 1, "price": 1},
                             "by_source": {"website": 1, "referral": 1}}
    # as of 02-28: only eta was lost yet
    out = report(q1, "lost", "--as-of", "2026-02-28")
    assert out["rows"] == [{"reason": "budget", "stage": "needs-analysis", "currency": "EUR",
                            "count": 1, "value": 7000.0, "share": 1.0}]
    assert out["totals"] == {"count": 1, "value": {"EUR": 7000.0},
                             "by_reason": {"budget": 1}, "by_source": {"website": 1}}
    # --since 03-01: only beta; --source website: only eta
    out = report(q1, "lost", "--as-of", "2026-03-31", "--since", "2026-03-01")
    assert [(r["reason"], r["count"], r["share"]) for r in out["rows"]] == [("price", 1, 1.0)]
    assert out["totals"]["value"] == {"EUR": 20000.0}
    out = report(q1, "lost", "--as-of", "2026-03-31", "--source", "website")
    assert out["totals"] == {"count": 1, "value": {"EUR": 7000.0},
                             "by_reason": {"budget": 1}, "by_source": {"website": 1}}


def test_slips_count_only_later_close_dates(q1: Repo):
    # slips: beta 01-20 (02-28 -> 03-31) and 03-01 (-> 04-30); epsilon 01-25 (01-31 ->
    # 03-31); zeta 03-30 (06-30 -> 07-31); gamma 03-05 (04-15 -> 04-10) is earlier: none.
    out = report(q1, "slips", "--as-of", "2026-03-31")
    assert out["rows"] == [{"deal": "beta", "slips": 2, "close_date": "2026-04-30"}]
    assert out["totals"] == {"deals": 7, "slipped": 3, "slips": 4, "two_or_more": 1}
    # window since 02-01: beta 03-01 and zeta 03-30 -> 2 slips, 2 deals, none twice
    out = report(q1, "slips", "--as-of", "2026-03-31", "--since", "2026-02-01")
    assert out["rows"] == []
    assert out["totals"] == {"deals": 7, "slipped": 2, "slips": 2, "two_or_more": 0}
    # since 03-01: alpha (won 02-14) and eta (lost 02-25) were closed all the window
    # long, so could not slip in it: 5 deals
    out = report(q1, "slips", "--as-of", "2026-03-31", "--since", "2026-03-01")
    assert out["totals"] == {"deals": 5, "slipped": 2, "slips": 2, "two_or_more": 0}
    # eta, lost 02-25 and reopened 03-20, was closed all through 03-01..03-10
    assert q1.run("deal", "reopen", "eta", "--reason", "Budget found", "--date",
                  "2026-03-20T12:00:00+00:00").exit_code == 0
    out = report(q1, "slips", "--as-of", "2026-03-31", "--since", "2026-03-01",
                 "--until", "2026-03-10")
    # beta (lost 03-11), epsilon (won 03-20), gamma, delta, zeta (added 03-02); not alpha
    assert out["totals"]["deals"] == 5
    # until 01-09: only alpha and epsilon were there by the window's end
    out = report(q1, "slips", "--as-of", "2026-03-31", "--since", "2026-01-01",
                 "--until", "2026-01-09")
    assert out["totals"] == {"deals": 2, "slipped": 0, "slips": 0, "two_or_more": 0}
    # as of 02-15: five deals exist; beta and epsilon slipped once each
    out = report(q1, "slips", "--as-of", "2026-02-15")
    assert out["rows"] == []
    assert out["totals"] == {"deals": 5, "slipped": 2, "slips": 2, "two_or_more": 0}


def test_velocity_per_currency(q1: Repo):
    # EUR: open gamma, zeta = 2; won alpha 10000 (40 d), epsilon 3000 (90 d); lost beta,
    # eta -> win rate 2 / 4 = 0.5; avg won 6500; median cycle 65;
    # velocity 2 x 0.5 x 6500 / 65 = 100.00 per day.
    # USD: delta open; nothing closed -> no rate, no average, no velocity.
    out = report(q1, "velocity", "--as-of", "2026-03-31")
    assert out["rows"] == [
        {"currency": "EUR", "open_deals": 2, "win_rate": 0.5, "avg_won_value": 6500.0,
         "median_cycle_days": 65.0, "velocity": 100.0},
        {"currency": "USD", "open_deals": 1, "win_rate": None, "avg_won_value": None,
         "median_cycle_days": None, "velocity": None},
    ]
    # as of 02-28: EUR open beta, epsilon, gamma = 3 (delta is USD); won alpha (40 d,
    # 10000), lost eta -> 0.5; velocity 3 x 0.5 x 10000 / 40 = 375.00
    out = report(q1, "velocity", "--as-of", "2026-02-28")
    assert out["rows"][0] == {"currency": "EUR", "open_deals": 3, "win_rate": 0.5,
                              "avg_won_value": 10000.0, "median_cycle_days": 40.0,
                              "velocity": 375.0}


def test_changes_by_month_and_default_week(q1: Repo):
    # February, each event at the deal's value when it happened (a past window's
    # figures never change with what came later):
    # new: gamma 02-01 (5000 when created), delta 02-20 (USD 8000 when created)
    # advanced: alpha 02-04 (skip, 10000), beta 02-10 (20000), gamma 02-11 (6000)
    # won: alpha 02-14; lost: eta 02-25; value-up: gamma 5000 -> 6000 = +1000
    out = report(q1, "changes", "--as-of", "2026-03-31", "--since", "2026-02-01",
                 "--until", "2026-02-28")
    assert rows(out) == change_rows({
        "new": [("EUR", 1, 5000.0, ["gamma"]), ("USD", 1, 8000.0, ["delta"])],
        "advanced": ("EUR", 3, 36000.0, ["alpha", "beta", "gamma"]),  # 10000+20000+6000
        "won": ("EUR", 1, 10000.0, ["alpha"]),
        "lost": ("EUR", 1, 7000.0, ["eta"]),
        "value-up": ("EUR", 1, 1000.0, ["gamma"]),
    })
    assert out["totals"] == {"events": 8}
    # March: new zeta; gamma advanced twice (03-03, 03-15) = 2 events, 2 x 6000;
    # gamma moved back 03-10 (6000); epsilon won 03-20; beta lost 03-11; delta USD +1000 on
    # 03-27; gamma -500 on 03-18; slipped beta 03-01 (20000) and zeta 03-30 (4000).
    out = report(q1, "changes", "--as-of", "2026-03-31", "--since", "2026-03-01",
                 "--until", "2026-03-31")
    assert rows(out) == change_rows({
        "new": ("EUR", 1, 4000.0, ["zeta"]),
        "advanced": ("EUR", 2, 12000.0, ["gamma"]),
        "moved-back": ("EUR", 1, 6000.0, ["gamma"]),
        "won": ("EUR", 1, 3000.0, ["epsilon"]),
        "lost": ("EUR", 1, 20000.0, ["beta"]),
        "value-up": ("USD", 1, 1000.0, ["delta"]),
        "value-down": ("EUR", 1, -500.0, ["gamma"]),
        "slipped": ("EUR", 2, 24000.0, ["beta", "zeta"]),
    })
    assert out["totals"] == {"events": 10}
    # default window: the 7 days ending at the as-of date, 03-25..03-31:
    # delta +1000 (03-27), zeta slipped (03-30); zeta's owner change is no change kind.
    out = report(q1, "changes", "--as-of", "2026-03-31")
    assert out["filters"]["since"] == "2026-03-25"
    assert rows(out) == change_rows({
        "value-up": ("USD", 1, 1000.0, ["delta"]),
        "slipped": ("EUR", 1, 4000.0, ["zeta"]),
    })


def test_a_past_windows_changes_keep_their_values_when_later_ones_come(crm: Repo):
    # advanced and slipped in February at 1000; the value goes to 9000 in March:
    # February's report says 1000, as of February's end and as of March's
    write_deal(crm, "x", "2026-02-01", value="1000.00", close_date="2026-03-31")
    edit_deal(crm, "x", "2026-02-10", stage="proposal")
    edit_deal(crm, "x", "2026-02-12", close_date="2026-04-30")
    edit_deal(crm, "x", "2026-03-05", value="9000.00")
    window = ("--since", "2026-02-01", "--until", "2026-02-28")
    expected = change_rows({"new": ("EUR", 1, 1000.0, ["x"]),
                            "advanced": ("EUR", 1, 1000.0, ["x"]),
                            "slipped": ("EUR", 1, 1000.0, ["x"])})
    for as_of in ("2026-02-28", "2026-03-31"):
        assert rows(report(crm, "changes", "--as-of", as_of, *window)) == expected

def test_an_open_deal_without_a_close_date_is_said_not_silently_left_out(crm: Repo):
    write_deal(crm, "x", "2026-04-01", value="5000.00", close_date="2026-06-30")
    path = deal_path(crm, "x")
    path.write_text(path.read_text().replace("close_date: 2026-06-30\n", ""))
    commit_at(crm, "2026-04-05", "hand: no close date")
    for cache in ((), ("--no-cache",)):
        r = crm.run("report", "forecast", "--as-of", "2026-04-10", "--format", "json", *cache)
        assert r.exit_code == 0 and json.loads(r.stdout)["rows"] == [], r.output
        assert r.stderr == ("warning: 1 open deal(s), such as x, have no close_date: the "
                            "forecast leaves them out; set one (see `salescli check`)\n")

def test_an_events_value_is_the_deals_after_its_own_commit_not_a_later_one_that_second(
        crm: Repo):
    # commands dated with --date DAY commit at noon: an advance and a value change on one
    # day share a second; the advance counts the value before the change
    cli(crm, "deal", "add", "Same day", "--account", "acme-oy", "--id", "same", "--value",
        "1000", "--close-date", "2027-01-31", "--date", "2026-12-01")
    crm.edit("pipelines/default.yaml", "requires: [decision_maker, items]", "requires: []")
    commit_at(crm, "2026-11-30", "no requirements")
    cli(crm, "deal", "advance", "same", "--date", "2026-12-02")
    cli(crm, "deal", "set", "same", "value=9000", "--date", "2026-12-02")
    out = report(crm, "changes", "--since", "2026-12-01", "--until", "2026-12-03")
    assert {r["change"]: r["value"] for r in out["rows"]}["advanced"] == 1000.0

def test_a_value_change_is_in_its_own_commits_currency_not_a_later_ones_that_second(
        crm: Repo):
    # value 1000 -> 2000 in EUR, then (same day: the same noon) the deal goes to USD:
    # the value went up by EUR 1000, not by 2000 - USD 1000 at 0.5
    crm.edit("salescli.yaml", "fx: {}", "fx: {USD: 0.5}")
    commit_at(crm, "2026-11-30", "rates")
    cli(crm, "deal", "add", "Same day", "--account", "acme-oy", "--id", "same", "--value",
        "1000", "--close-date", "2027-01-31", "--date", "2026-12-01")
    cli(crm, "deal", "set", "same", "value=2000", "--date", "2026-12-02")
    cli(crm, "deal", "set", "same", "currency=USD", "--date", "2026-12-02")
    assert changes(crm, on="2026-12-02") == change_rows({"value-up": ("EUR", 1, 1000.0, ["same"])})

def test_filters_use_the_state_as_of_the_moment(q1: Repo):
    # zeta was anna's until 03-25. --owner anna since 03-01: gamma advanced x2, moved
    # back, -500; epsilon won; and as of 03-24 new zeta. As of 03-31 zeta is ville's: it
    # leaves anna's report (and its slip with it)
    gamma_epsilon = {
        "advanced": ("EUR", 2, 12000.0, ["gamma"]),
        "moved-back": ("EUR", 1, 6000.0, ["gamma"]),
        "won": ("EUR", 1, 3000.0, ["epsilon"]),
        "value-down": ("EUR", 1, -500.0, ["gamma"]),
    }
    for as_of, zeta in (("2026-03-24", {"new": ("EUR", 1, 4000.0, ["zeta"])}),
                        ("2026-03-31", {})):
        got = changes(q1, "--as-of", as_of, "--since", "2026-03-01", "--owner", "anna")
        assert got == change_rows({**zeta, **gamma_epsilon}), as_of
    # --source referral: beta and delta; as of 03-31 slips: beta twice
    out = report(q1, "slips", "--as-of", "2026-03-31", "--source", "referral")
    assert out["totals"] == {"deals": 2, "slipped": 1, "slips": 2, "two_or_more": 1}


# ------------------------------------------------- leads, activities and sources

# June 2026, all through the CLI (plus one hand-written deal with its own activities):
#   lead-a  website anna: add 06-01 12:00, contact 06-02 15:00 (27 h), convert 06-05
#           (deal lead-a EUR 12000 close 09-30), deal won 06-20
#   lead-b  website ville: add 06-01 12:00, contact 06-04 12:00 (72 h > 48 h SLA),
#           disqualified 06-06
#   lead-c  referral anna: add 06-03 12:00, contacted by the e-mail of 06-20 (408 h)
#   lead-d  referral ville: add 06-10 12:00, qualified 06-10 18:00 (6 h), no deal
#   d-web   hand 06-02 ville website EUR 5000, lost 06-25 (no-response); activities:
#           05-30 note (before the window), 06-03 call with its own owner anna, 06-15
#           meeting cancelled (no owner: the deal's, ville)
# activities logged with `log` (which records the user, anna, as their owner): meeting
# held 06-08 and call 06-12 on deal lead-a; email 06-20 on lead-c; meeting booked 07-02
# on the account acme-oy (after the window).


@pytest.fixture
def june(crm: Repo) -> Repo:
    r = crm
    cli(r, "lead", "add", "Lead A", "--id", "lead-a", "--contact", "Aino",
        "--phone", "+358 40 000 0001", "--source",
        "website", "--owner", "anna", "--date", "2026-06-01")
    cli(r, "lead", "add", "Lead B", "--id", "lead-b", "--contact", "Bertil",
        "--phone", "+358 40 000 0002", "--source",
        "website", "--owner", "ville", "--date", "2026-06-01")
    write_deal(r, "d-web", "2026-06-02", value="5000.00", owner="ville", source="website",
               close_date="2026-08-31", extra="""activities:
  - {date: 2026-05-30, type: note, summary: Found them}
  - {date: 2026-06-03, type: call, summary: Intro call, owner: anna}
  - {date: 2026-06-15, type: meeting, summary: Demo, status: cancelled}
""")
    cli(r, "lead", "contact", "lead-a", "--date", "2026-06-02T15:00:00+00:00")
    cli(r, "lead", "add", "Lead C", "--id", "lead-c", "--contact", "Cecilia",
        "--phone", "+358 40 000 0003", "--source",
        "referral", "--owner", "anna", "--date", "2026-06-03")
    cli(r, "lead", "contact", "lead-b", "--date", "2026-06-04")
    cli(r, "lead", "convert", "lead-a", "--value", "12000", "--close-date", "2026-09-30",
        "--date", "2026-06-05")
    cli(r, "lead", "disqualify", "lead-b", "--reason", "not-icp", "--date", "2026-06-06")
    cli(r, "log", "meeting", "deal:lead-a", "Kickoff", "--status", "held",
        "--date", "2026-06-08")
    cli(r, "lead", "add", "Lead D", "--id", "lead-d", "--contact", "Dora",
        "--phone", "+358 40 000 0004", "--source",
        "referral", "--owner", "ville", "--date", "2026-06-10")
    cli(r, "lead", "convert", "lead-d", "--no-deal", "--date", "2026-06-10T18:00:00+00:00")
    cli(r, "log", "call", "deal:lead-a", "Follow-up", "--date", "2026-06-12")
    cli(r, "log", "email", "lead:lead-c", "Intro", "--date", "2026-06-20")
    cli(r, "deal", "win", "lead-a", "--date", "2026-06-20")
    cli(r, "deal", "lose", "d-web", "--reason", "no-response", "--date", "2026-06-25")
    cli(r, "log", "meeting", "acme-oy", "Quarterly review", "--status", "booked",
        "--date", "2026-07-02")
    return r


def test_sources_leads_to_deals_and_sla(june: Repo):
    out = report(june, "sources", "--as-of", "2026-06-30", "--since", "2026-06-01")
    assert out["rows"] == [
        # lead-c (contacted by the e-mail logged 06-20, after 408 h), lead-d (qualified
        # after 6 h); no deals from referral; median hours (6 + 408) / 2 = 207
        {"source": "referral", "leads": 2, "contacted": 2, "qualified": 1,
         "disqualified": 0, "deals": 0, "won": 0, "lost": 0, "won_value": 0.0,
         "currency": "EUR", "qualify_rate": 0.5, "win_rate": None,
         "median_first_contact_hours": 207.0},
        # lead-a (27 h, qualified), lead-b (72 h, disqualified); deals d-web (lost) and
        # lead-a (won 12000): win rate 1 won / 2 closed, as the funnel's; median hours
        # (27 + 72) / 2 = 49.5
        {"source": "website", "leads": 2, "contacted": 2, "qualified": 1,
         "disqualified": 1, "deals": 2, "won": 1, "lost": 1, "won_value": 12000.0,
         "currency": "EUR", "qualify_rate": 0.5, "win_rate": 0.5,
         "median_first_contact_hours": 49.5},
    ]
    # median of 6, 27, 72, 408 = 49.5; breaches: lead-b (72 > 48) and lead-c (408 > 48)
    assert out["totals"] == {"leads": 4, "deals": 2, "won": 1,
                             "median_first_contact_hours": 49.5, "sla_hours": 48,
                             "sla_breaches": 2, "won_value_unconverted": {}}
    # as of 06-02 (end): lead-a and lead-b exist, lead-a contacted after 27 h; lead-b is
    # 36 h old and still new: no breach yet. d-web is the only deal (open): nothing
    # closed, no win rate (an open deal is not a loss)
    out = report(june, "sources", "--as-of", "2026-06-02")
    assert out["rows"] == [
        {"source": "website", "leads": 2, "contacted": 1, "qualified": 0,
         "disqualified": 0, "deals": 1, "won": 0, "lost": 0, "won_value": 0.0,
         "currency": "EUR", "qualify_rate": 0.0, "win_rate": None,
         "median_first_contact_hours": 27.0},
    ]
    assert out["totals"]["sla_breaches"] == 0


def test_a_lead_disqualified_without_contact_was_never_contacted(crm: Repo):
    cli(crm, "lead", "add", "Delta AB", "--contact", "Dora", "--email", "dora@delta.se",
        "--source", "event", "--date", "2026-06-01T09:00:00+00:00")
    cli(crm, "lead", "disqualify", "delta-ab", "--reason", "not-icp",
        "--date", "2026-06-04T09:00:00+00:00")
    out = report(crm, "sources", "--as-of", "2026-06-30", "--since", "2026-06-01")
    event = next(r for r in out["rows"] if r["source"] == "event")
    assert (event["contacted"], event["disqualified"], event["median_first_contact_hours"]) \
        == (0, 1, None)
    assert out["totals"]["sla_breaches"] == 0


def sources_hours(repo: Repo, *args: str) -> tuple[list, dict[str, Any]]:
    """(source, leads, contacted, median hours) of each row, and the totals' hours and
    SLA breaches, in June 2026."""
    out = report(repo, "sources", "--as-of", "2026-06-30", "--since", "2026-05-01", *args)
    return ([(r["source"], r["leads"], r["contacted"], r["median_first_contact_hours"])
             for r in out["rows"]],
            {k: out["totals"][k] for k in ("median_first_contact_hours", "sla_breaches")})


def sla_waiting(repo: Repo) -> list[str]:
    """The IDs `today` lists as not contacted within the lead SLA."""
    r = repo.run("today", "--format", "json")
    assert r.exit_code == 0, r.output
    return [row["id"] for row in json.loads(r.stdout)["rows"]
            if any(reason["what"] == "lead-sla" for reason in row["reasons"])]


def test_a_lead_added_after_noon_waits_from_its_commit_not_its_created_day(crm: Repo):
    # added 06-01 23:00, called 06-03 22:00: 47 h, within the 48 h SLA (the `created:`
    # day's noon, 11 h before the commit, would make it 58 h and a breach)
    cli(crm, "lead", "add", "Beta Ltd", "--contact", "Sara Beta", "--email",
        "sara@beta.example", "--source", "website", "--date", "2026-06-01T23:00:00+00:00")
    cli(crm, "log", "call", "beta-ltd", "Reached", "--date", "2026-06-03T22:00:00+00:00")
    # added 23:30 on 06-05 at UTC-5 (04:30 UTC on 06-06; created: 2026-06-05, its own
    # day), contacted 09:30 there: 10 h, not 26.5 h from 06-05 noon UTC
    cli(crm, "lead", "add", "West Inc", "--contact", "Wes", "--email", "wes@west.example",
        "--source", "event", "--date", "2026-06-05T23:30:00-05:00")
    cli(crm, "lead", "contact", "west-inc", "--date", "2026-06-06T09:30:00-05:00")
    # an import backdating its lead: created 05-28, committed 06-02 08:00, contacted
    # 06-02 20:00: from the earlier day's noon, 5 days 8 h = 128 h, a breach
    crm.write("leads/2026-05/imp-oy.yaml", """
        id: imp-oy
        company: Imp Oy
        contact: {name: Ilona, email: ilona@imp.example}
        source: referral
        status: new
        owner: anna
        created: 2026-05-28
        """)
    commit_at(crm, "2026-06-02T08:00:00+00:00", "import")
    cli(crm, "lead", "contact", "imp-oy", "--date", "2026-06-02T20:00:00+00:00")
    # median of 10, 47, 128 = 47
    assert sources_hours(crm) == (
        [("event", 1, 1, 10.0), ("referral", 1, 1, 128.0), ("website", 1, 1, 47.0)],
        {"median_first_contact_hours": 47.0, "sla_breaches": 1})


def test_first_contact_is_the_first_activity_that_reaches_the_lead(crm: Repo):
    # the default lead_flow holds a lead without contact.name back from contacted, but
    # the call reached it (as `today`'s SLA counts it): contacted, not a breach; the
    # call's day counts at noon (its time is its commit's, which the file does not
    # keep): 3 h after the 09:00 add
    cli(crm, "lead", "add", "Form Oy", "--phone", "+358 40 1234567", "--source",
        "website", "--date", "2026-06-01T09:00:00+00:00")
    assert "form-oy stays new" in cli(crm, "log", "call", "form-oy", "Reached the CEO",
                                      "--date", "2026-06-01T10:00:00+00:00")
    # held back on 06-02, contacted by hand (name added) on 06-05: the e-mail first,
    # 06-02 noon - 06-01 noon = 24 h, not the 96 h of the status change
    cli(crm, "lead", "add", "Late Oy", "--phone", "+358 40 7654321", "--source", "event",
        "--date", "2026-06-01")
    cli(crm, "log", "email", "late-oy", "Sent the intro", "--date", "2026-06-02")
    cli(crm, "lead", "set", "late-oy", "contact.name=Leena", "--date", "2026-06-05")
    cli(crm, "lead", "contact", "late-oy", "--date", "2026-06-05")
    # a note and an open task reach no one: 06-01 noon to 06-30 end, a breach; then a
    # task done 06-04 (dated 06-02): first contact on the day it was done, 72 h
    cli(crm, "lead", "add", "Mute Oy", "--phone", "+358 40 1111111", "--source",
        "referral", "--date", "2026-06-01")
    cli(crm, "log", "note", "mute-oy", "Found at the fair", "--date", "2026-06-01")
    cli(crm, "task", "add", "mute-oy", "Call them", "--due", "2026-06-03",
        "--date", "2026-06-02")
    assert sources_hours(crm) == (
        [("event", 1, 1, 24.0), ("referral", 1, 0, None), ("website", 1, 1, 3.0)],
        {"median_first_contact_hours": 13.5, "sla_breaches": 1})
    # `today` agrees: of the three, Mute Oy alone waits for its first contact
    assert sla_waiting(crm) == ["mute-oy"]
    cli(crm, "task", "done", "mute-oy", "2", "--date", "2026-06-04")
    assert sources_hours(crm) == (
        [("event", 1, 1, 24.0), ("referral", 1, 1, 72.0), ("website", 1, 1, 3.0)],
        {"median_first_contact_hours": 24.0, "sla_breaches": 1})
    # as of 06-01, before the e-mail: Late Oy is not contacted yet; Form Oy is
    out = report(crm, "sources", "--as-of", "2026-06-01")
    assert [(r["source"], r["contacted"]) for r in out["rows"]] == [
        ("event", 0), ("referral", 0), ("website", 1)]
    # `today` agrees: every lead was reached (two of them are still `new`)
    assert sla_waiting(crm) == []


def activity_row(period: str, type_: str, owner: str, count: int) -> dict[str, Any]:
    return {"period": period, "type": type_, "owner": owner, "count": count}


def june_activity(june: Repo, *args: str) -> dict[str, Any]:
    """The activity report of the window 06-01..06-30, as of 06-30."""
    return report(june, "activity", "--as-of", "2026-06-30", "--since", "2026-06-01", *args)


def test_activity_by_month_week_and_owner(june: Repo):
    # in the window 06-01..06-30: 06-03 call anna (d-web, activity's own owner),
    # 06-08 meeting held anna, 06-12 call anna (deal lead-a), 06-15 meeting cancelled
    # ville (d-web), 06-20 email anna (lead-c). Out: 05-30 note, 07-02 booked meeting.
    out = june_activity(june)
    assert out["rows"] == [
        activity_row("2026-06", "call", "anna", 2),
        activity_row("2026-06", "email", "anna", 1),
        activity_row("2026-06", "meeting", "anna", 1),
        activity_row("2026-06", "meeting", "ville", 1),
    ]
    # ISO weeks: 06-03 W23, 06-08 and 06-12 W24, 06-15 W25, 06-20 W25
    out = june_activity(june, "--by", "week")
    assert out["rows"] == [
        activity_row("2026-W23", "call", "anna", 1),
        activity_row("2026-W24", "call", "anna", 1),
        activity_row("2026-W24", "meeting", "anna", 1),
        activity_row("2026-W25", "email", "anna", 1),
        activity_row("2026-W25", "meeting", "ville", 1),
    ]
    # ville's only: the cancelled meeting; no won deal of his
    out = june_activity(june, "--owner", "ville")
    assert out["rows"] == [activity_row("2026-06", "meeting", "ville", 1)]


def test_activity_totals(june: Repo):
    out = june_activity(june)
    # meetings booked = meetings of any status (held + cancelled) = 2; won deals in the
    # window: lead-a; activities per won deal = 5 activities / 1 won deal (seed 000:
    # "the number of actions and their ratio to winning a deal").
    assert out["totals"] == {"activities": 5, "meetings_booked": 2, "meetings_held": 1,
                             "meetings_cancelled": 1, "won_deals": 1,
                             "activities_per_won_deal": 5.0}
    out = june_activity(june, "--owner", "ville")
    assert out["totals"] == {"activities": 1, "meetings_booked": 1, "meetings_held": 0,
                             "meetings_cancelled": 1, "won_deals": 0,
                             "activities_per_won_deal": None}


def test_a_meeting_booked_then_held_is_one_activity_as_the_goals_count_it(june: Repo):
    # the booking (07-02) answered as held the same day: one meeting, not two; a
    # booking not answered yet has not happened: a booking, no activity
    cli(june, "log", "meeting", "acme-oy", "Quarterly review", "--status", "held",
        "--date", "2026-07-02")
    cli(june, "log", "meeting", "acme-oy", "Next review", "--status", "booked",
        "--date", "2026-07-09")
    out = report(june, "activity", "--as-of", "2026-07-31", "--since", "2026-07-01")
    assert out["rows"] == [activity_row("2026-07", "meeting", "anna", 1)]
    assert out["totals"]["activities"] == 1
    assert (out["totals"]["meetings_booked"], out["totals"]["meetings_held"]) == (2, 1)

def test_changes_count_other_currencies_through_the_rates(q1: Repo):
    # fx USD 0.5: delta's creation (USD 8000) counts 4000 EUR; its value-up on 03-27
    # (USD 8000 -> 9000) 500 EUR, as its loss or win would count it
    q1.edit("salescli.yaml", "fx: {}", "fx: {USD: 0.5}")
    commit_at(q1, "2026-04-01", "rates")
    assert changes(q1, "--as-of", "2026-03-31", on="2026-02-20") == \
        change_rows({"new": ("EUR", 1, 4000.0, ["delta"])})
    assert changes(q1, "--as-of", "2026-03-31", on="2026-03-27") == \
        change_rows({"value-up": ("EUR", 1, 500.0, ["delta"])})
    # one commit makes it EUR 5000 (from USD 9000 = 4500 EUR): +500, not 5000 - 9000
    edit_deal(q1, "delta", "2026-04-02", currency="EUR", value="5000.00")
    assert changes(q1, on="2026-04-02") == change_rows({"value-up": ("EUR", 1, 500.0, ["delta"])})


def test_changes_with_leads_and_velocity(june: Repo):
    # June: new deals d-web (5000) and lead-a (12000 at conversion); lead-a won, d-web
    # lost; four new leads; lead-a and lead-d converted (status -> qualified).
    out = report(june, "changes", "--as-of", "2026-06-30", "--since", "2026-06-01",
                 "--until", "2026-06-30")
    assert rows(out) == change_rows({
        "new": ("EUR", 2, 17000.0, ["d-web", "lead-a"]),
        "won": ("EUR", 1, 12000.0, ["lead-a"]),
        "lost": ("EUR", 1, 5000.0, ["d-web"]),
        "new-leads": (None, 4, None, ["lead-a", "lead-b", "lead-c", "lead-d"]),
        "converted": (None, 2, None, ["lead-a", "lead-d"]),
    })
    assert out["totals"] == {"events": 10}
    # velocity: nothing open; won lead-a 12000 after 06-05..06-20 = 15 days, lost d-web
    # -> 0 x 0.5 x 12000 / 15 = 0
    out = report(june, "velocity", "--as-of", "2026-06-30")
    assert out["rows"] == [{"currency": "EUR", "open_deals": 0, "win_rate": 0.5,
                            "avg_won_value": 12000.0, "median_cycle_days": 15.0,
                            "velocity": 0.0}]


def test_weighted_values_agree_in_the_forecast_the_review_and_the_board(filled: Repo):
    # each deal's weighted value to the cent, then sums: 0.25 x 10 % = 0.03 and
    # 1.05 x 50 % = 0.53 make 0.56 everywhere (review said 0.55, the forecast 0.56)
    from conftest import deal_with

    base = filled.head()
    filled.write("deals/2026-10/acme-erp.yaml", deal_with(value="0.25", probability="10",
                                                          close_date="2027-05-15"))
    filled.write("deals/2026-10/round-b.yaml", deal_with(
        id="round-b", title="Round B", value="1.05", probability="50",
        close_date="2027-05-15"))
    filled.commit("two small deals")
    forecast = json.loads(filled.run("report", "forecast", "--format", "json").stdout)
    review = json.loads(filled.run("review", f"{base}..HEAD", "--format", "json").stdout)
    board = json.loads(filled.run("board", "--format", "json").stdout)
    assert forecast["totals"]["open"]["EUR"]["weighted"] == 0.56
    assert review["pipeline"]["after"]["EUR"]["weighted"] == 0.56
    assert board["totals"]["weighted"]["EUR"] == 0.56


def test_a_window_after_the_as_of_date_is_refused(q1: Repo):
    # `report funnel --since 2030-01-01` printed an empty, reversed window, exit 0
    for args in (["funnel"], ["cycle"], ["lost"], ["changes"], ["activity"],
                 ["dashboard", "--out", "-"]):
        refused(q1, ["report", *args, "--since", "2030-01-01", "--as-of", "2026-03-31"], 2,
                "--since 2030-01-01 is after the as-of date 2026-03-31: nothing is known of "
                "it yet (--as-of sets a later one)")
    r = q1.run("report", "forecast", "--since", "2026-06-01", "--as-of", "2026-03-31")
    assert r.exit_code == 0, r.output  # close dates ahead


def test_the_funnel_as_of_now_is_kept_and_its_open_days_still_grow(q1: Repo, monkeypatch):
    """`report funnel` as of now keeps what it worked out (`.git/salescli/funnel.memo`):
    run again the same day it reads no history, yet the days of the deals still open
    in their stages grow with the clock, as a read from history gives them; another
    day, a commit or the pipeline make it again; a commit dated after the clock is never
    kept (it counts from its own moment on)."""
    import datetime as dt
    import time

    from salescli.store import history

    clock = [dt.datetime(2026, 4, 1, 8, tzinfo=dt.UTC).timestamp()]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    loads: list[str] = []
    real = history.load_history

    def counted(*args, **kw):  # type: ignore[no-untyped-def]
        loads.append("load")
        return real(*args, **kw)

    monkeypatch.setattr(history, "load_history", counted)

    def funnel(*args: str) -> dict[str, Any]:
        """The funnel now, and how many times it read history (a read without the
        cache, which must print the same, aside)."""
        r = q1.run("report", "funnel", "--format", "json", *args)
        fresh = q1.run("report", "funnel", "--format", "json", "--no-cache", *args)
        assert r.exit_code == 0 and r.stdout == fresh.stdout, r.output
        loads.pop()
        return json.loads(r.stdout)

    # gamma, open in negotiation since 03-15 noon after 7 days there before: 7 + 16 5/6
    first = funnel()
    assert first["rows"][2]["median_days"] == 23.8 and loads == ["load"]
    assert funnel() == first and loads == ["load"]  # kept: no history read
    clock[0] += 14 * 3600  # 22:00 the same day: 7 + 17 5/12
    later = funnel()
    assert later["rows"][2]["median_days"] == 24.4 and loads == ["load"]
    assert later["rows"][0]["median_days"] == first["rows"][0]["median_days"] == 31.0
    funnel("--owner", "anna")  # other options: made again, and kept by them
    assert len(loads) == 2
    clock[0] += 3 * 3600  # the next day
    assert funnel()["as_of"] == "2026-04-02" and len(loads) == 3
    cli(q1, "deal", "set", "gamma", "value=6000", "--date", "2026-04-01")
    funnel()
    assert len(loads) == 4
    q1.edit("pipelines/default.yaml", "  - id: contracting\n",
            "  - id: legal\n    name: Legal\n    probability: 70\n    requires: []\n"
            "  - id: contracting\n")
    assert [row["stage"] for row in funnel()["rows"]][3] == "legal" and len(loads) == 5
    funnel()
    assert len(loads) == 5
    # committed at 04-05 while the clock says 04-02: not counted yet, and not kept
    edit_deal(q1, "gamma", "2026-04-05", stage="contracting")
    assert funnel()["rows"][4]["open_here"] == 0 and len(loads) == 6
    funnel()
    assert len(loads) == 7
    clock[0] = dt.datetime(2026, 4, 5, 13, tzinfo=dt.UTC).timestamp()
    assert funnel()["rows"][4]["open_here"] == 1 and len(loads) == 8
    # kept parts that do not make a funnel (damage that still reads): worked out again
    import marshal

    memo = q1.root / ".git/salescli/funnel.memo"
    kept = marshal.loads(memo.read_bytes())
    memo.write_bytes(marshal.dumps([*kept[:2], {"rows": [{"stage": "x"}]}, kept[3]]))
    funnel()
    assert len(loads) == 9


def test_a_kept_report_says_its_warnings_as_a_read_from_history_does(q1: Repo):
    """The settings' warnings and the history's (a committed file `check` rejects) come
    in the same order from the kept funnel and forecast as from `--no-cache`."""
    q1.edit("salescli.yaml", "locale: en_US", "locale: xx_XX")
    q1.write("deals/2026-03/broken.yaml", "id: broken\ntitle: [\n")
    commit_at(q1, "2026-03-31", "a broken file")
    for name in ("funnel", "forecast"):
        fresh = q1.run("report", name, "--no-cache")
        assert "xx_XX" in fresh.stderr and "skipped 1 committed" in fresh.stderr
        for _ in range(2):  # worked out and kept, then read back
            r = q1.run("report", name)
            assert (r.exit_code, r.stdout, r.stderr) == (0, fresh.stdout, fresh.stderr)


def test_a_report_worked_out_while_head_moved_is_not_kept(q1: Repo, monkeypatch):
    """A commit in another terminal while the funnel reads history: what it read is
    the new commit's, so it is not kept under the commit it started at (which a reset
    brings back)."""
    from salescli.services import reports

    real = reports.history_for

    def meanwhile(*args, **kw):  # type: ignore[no-untyped-def]
        edit_deal(q1, "gamma", "2026-03-31", stage="contracting")
        return real(*args, **kw)

    monkeypatch.setattr(reports, "history_for", meanwhile)
    assert q1.run("report", "funnel").exit_code == 0
    monkeypatch.setattr(reports, "history_for", real)
    q1.git("reset", "-q", "--hard", "HEAD~1")
    r, fresh = q1.run("report", "funnel"), q1.run("report", "funnel", "--no-cache")
    assert r.stdout == fresh.stdout
