"""The shipped presets use the process rules: checklist gates, won from chosen stages,
won requirements. Each through `init --preset` and the commands, as a user meets them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import ACCOUNT
from conftest import Repo
from conftest import replaced

from salescli.cli import cli


def preset(tmp_path: Path, name: str, deal: str | None = None) -> Repo:
    root = tmp_path / "crm"
    r = CliRunner().invoke(cli, ["init", str(root), "--preset", name])
    assert r.exit_code == 0, r.output
    repo = Repo(root)
    repo.write("accounts/2026-10/acme-oy.yaml", ACCOUNT)
    if deal:
        repo.write("deals/2026-10/acme-erp.yaml", deal)
    repo.commit()
    return repo


def refused_with(repo: Repo, args: list[str], *words: str) -> str:
    before = repo.state()
    r = repo.run(*args)
    assert r.exit_code == 1, r.output
    assert all(w in r.stderr for w in words), r.stderr
    assert repo.state() == before
    return r.stderr


DEAL = """
    id: acme-erp
    title: ERP
    account: acme-oy
    stage: {stage}
    value: 48000
    close_date: 2027-01-31
    created: 2026-10-01
    stakeholders:
      - {{contact: matti-virtanen, role: economic-buyer}}
    items:
      - {{name: Work, quantity: 1, unit_price: 100.00, tax_rate: 24}}
    """


def test_dynamics_leaves_qualify_only_with_its_steps_done(tmp_path: Path):
    repo = preset(tmp_path, "dynamics", DEAL.format(stage="qualify"))
    refused_with(repo, ["deal", "advance", "acme-erp"], "salescli deal tick acme-erp")
    for n in range(1, 7):
        assert repo.run("deal", "tick", "acme-erp", str(n)).exit_code == 0
    r = repo.run("deal", "advance", "acme-erp")
    assert r.exit_code == 0, r.output


def test_enterprise_wins_from_negotiation_with_a_quote_but_not_from_proposal(tmp_path: Path):
    quote = ("    quotes:\n      - {number: Q-2026-0001, version: 1, date: 2026-11-02, "
             "total: 100.00, currency: EUR, file: quotes/acme-erp/Q-2026-0001-v1.md}\n")
    repo = preset(tmp_path, "enterprise", DEAL.format(stage="proposal").rstrip(" ") + quote)
    refused_with(repo, ["deal", "win", "acme-erp"], "negotiation", "decision")
    repo.edit("deals/2026-10/acme-erp.yaml", "stage: proposal", "stage: negotiation")
    repo.commit()
    r = repo.run("deal", "win", "acme-erp")
    assert r.exit_code == 0, r.output


def test_startup_wins_from_any_stage_but_never_without_a_value(tmp_path: Path):
    deal = replaced(DEAL.format(stage="cold"), "    value: 48000\n", "")
    deal = replaced(deal, "    items:\n      - {name: Work, quantity: 1, unit_price: 100.00, "
                    "tax_rate: 24}\n", "")
    repo = preset(tmp_path, "startup", deal)
    refused_with(repo, ["deal", "win", "acme-erp"], "cannot win acme-erp", "value")
    r = repo.run("deal", "set", "acme-erp", "value=9000")
    assert r.exit_code == 0, r.output
    r = repo.run("deal", "win", "acme-erp")
    assert r.exit_code == 0, r.output


def test_meeting_led_holds_the_meeting_stage_until_it_was_held_and_evaluated(tmp_path: Path):
    deal = (DEAL.format(stage="meeting").rstrip(" ")
            + "    next_step: {action: Send offer, due: 2026-12-01}\n")
    repo = preset(tmp_path, "meeting-led", deal)
    refused_with(repo, ["deal", "advance", "acme-erp"], "Meeting held and evaluated")
