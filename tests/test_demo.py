"""`salescli demo`: a deterministic, valid repository whose history obeys the pipeline."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Repo
from conftest import git

from salescli.cli import cli
from salescli.services.demo import Demo
from salescli.services.demo import build_demo
from salescli.services.edit import FLOW_KEYS
from salescli.store.yamlio import RoundTrip
from salescli.store.yamlio import dump_new
from salescli.store.yamlio import load_fast
from salescli.store.yamlio import scalar

END = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    root = tmp_path_factory.mktemp("demo") / "crm"
    build_demo(root, deals=40, seed=1, end=END)
    return Repo(root)


def _records(root: Path, folder: str) -> list[tuple[str, dict]]:
    return [(p.relative_to(root).as_posix(), load_fast(p.read_text("utf-8")))
            for p in sorted((root / folder).glob("*/*.yaml"))]


def test_demo_passes_check_and_its_tree_is_clean(demo: Repo):
    result = demo.run("check")
    assert result.exit_code == 0, result.output
    assert "error" not in result.output
    assert demo.status() == ""
    deals = _records(demo.root, "deals")
    assert len(deals) == 40
    statuses = {d["status"] for _, d in deals}
    assert statuses == {"open", "won", "lost"}


def test_every_source_owner_and_reason_appears(demo: Repo):
    deals = [d for _, d in _records(demo.root, "deals")]
    leads = [x for _, x in _records(demo.root, "leads")]
    sources = {"website", "referral", "linkedin", "event", "outbound", "partner", "inbound"}
    assert {x["source"] for x in leads} | {d["source"] for d in deals} == sources
    assert {d["owner"] for d in deals} == {"anna", "ville", "sara"}
    assert {d["lost_reason"] for d in deals if d["status"] == "lost"} == {
        "price", "budget", "timing", "no-need", "competitor", "no-response", "requirements",
        "other"}
    assert {x.get("disqualify_reason") for x in leads if x["status"] == "disqualified"} == {
        "not-icp", "no-need", "unreachable", "budget-or-tech"}
    assert any(d.get("revisit") for d in deals)
    assert any(x.get("converted") and x["converted"]["deal"] for x in leads)


def test_open_deals_close_mostly_in_the_coming_months(demo: Repo):
    opened = [d for _, d in _records(demo.root, "deals") if d["status"] == "open"]
    assert opened
    assert sum(d["close_date"] >= END - dt.timedelta(days=7) for d in opened) >= len(opened) / 2


def test_created_dates_are_the_month_folders(demo: Repo):
    for folder in ("deals", "accounts", "leads"):
        for rel, data in _records(demo.root, folder):
            assert rel.split("/")[1] == f"{data['created']:%Y-%m}", rel
            assert rel.rsplit("/", 1)[1] == f"{data['id']}.yaml"


def test_author_dates_span_two_years_before_the_end(demo: Repo):
    dates = demo.git("log", "--format=%ai%n%ci").splitlines()
    assert all(d.endswith(" +0000") for d in dates)
    days = sorted(dt.date.fromisoformat(d.split()[0]) for d in dates)
    assert days[-1] <= END
    assert (days[-1] - days[0]).days >= 700
    first = demo.git("log", "--reverse", "--format=%s").splitlines()[0]
    assert first == "repo(demo): init with preset default"
    assert (demo.root / "schemas" / "deal.schema.json").is_file()


def _history(root: Path) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(sha, message, [(path, blob sha)]) of every commit, oldest first."""
    out = git(root, "log", "--reverse", "--raw", "--no-abbrev", "--no-renames",
              "--format=%x01%H%x02%B%x03")
    commits = []
    for chunk in out.split("\x01")[1:]:
        head, rest = chunk.split("\x03", 1)
        sha, message = head.split("\x02", 1)
        files = []
        for line in rest.splitlines():
            if line.startswith(":"):
                meta, path = line.split("\t", 1)
                files.append((path, meta.split()[3]))
        commits.append((sha, message, files))
    return commits


def _blobs(root: Path, shas: list[str]) -> dict[str, str]:
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=root, capture_output=True,
                          input=("\n".join(shas) + "\n").encode(), check=True)
    out, pos, blobs = proc.stdout, 0, {}
    for sha in shas:
        end = out.index(b"\n", pos)
        size = int(out[pos:end].split()[2])
        blobs[sha] = out[end + 1:end + 1 + size].decode("utf-8")
        pos = end + 2 + size
    return blobs


def test_history_obeys_the_pipeline_at_every_commit(demo: Repo):
    """No skipped stage, requirements met on entering, a Reason: for every move back."""
    from salescli.core.model import Account
    from salescli.core.model import Deal
    from salescli.core.rules import missing_requirements

    pipe = demo.repo.pipeline("default")
    ids = [s.id for s in pipe.stages]
    commits = _history(demo.root)
    shas = sorted({b for _, _, files in commits for p, b in files
                   if p.endswith(".yaml") and set(b) != {"0"}})
    blobs = _blobs(demo.root, shas)
    roles: dict[str, dict[str, str | None]] = {}
    deals: dict[str, Deal] = {}
    moves = back = 0
    for sha, message, files in commits:
        assert "Salescli-Event: " in message or sha == commits[1][0], message
        for path, blob in sorted(files, key=lambda f: not f[0].startswith("accounts/")):
            if not path.endswith(".yaml"):
                continue
            if path.startswith("accounts/"):
                account = Account.model_validate(load_fast(blobs[blob]))
                roles[account.id] = {c.id: c.role for c in account.contacts}
            elif path.startswith("deals/"):
                deal = Deal.model_validate(load_fast(blobs[blob]))
                before = deals.get(deal.id)
                here = ids.index(deal.stage)
                entering = None
                if before is None:
                    assert here == 0, message
                    entering = 0
                elif before.stage != deal.stage:
                    moves += 1
                    there = ids.index(before.stage)
                    if here < there:
                        back += 1
                        assert "\n\nReason: " in message, message
                    else:
                        assert here == there + 1, message
                    entering = here
                if entering is not None:
                    assert missing_requirements(pipe.stages[entering].requires, deal,
                                                roles[deal.account]) == [], message
                if deal.status == "lost":
                    assert deal.lost_reason and deal.lost_date, message
                if before is not None and before.status != "open":
                    assert deal.model_dump() == before.model_dump(), message
                deals[deal.id] = deal
    assert moves > 20 and len(deals) == 40


def test_demo_writes_what_salescli_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every version of every record is the text salescli's own writer gives."""
    checked = []
    original = Demo.text

    def text(self: Demo, record) -> str:
        mine = original(self, record)
        order = self.order[record.kind]
        data = {k: record.data[k] for k in order if record.data.get(k) is not None}
        assert mine == dump_new(data, FLOW_KEYS), record.path
        checked.append(record.path)
        return mine

    monkeypatch.setattr(Demo, "text", text)
    build_demo(tmp_path / "x", deals=12, seed=3, end=END)
    assert len(checked) > 100


@pytest.mark.parametrize("value", ["+358 40 123 4567", "true", "null", "Value: x", "a, b",
                                   "O'Brien & Co", "Mäkinen", "- x", "#1", "x #y", "10-49"])
def test_scalars_match_ruamel(value: str):
    assert f"k: {scalar(value)}\n" == dump_new({"k": value})
    assert f"k: {{v: {scalar(value, True)}}}\n" == dump_new({"k": {"v": value}}, ["k"])


def test_commands_edit_demo_records_line_by_line(demo: Repo, tmp_path: Path):
    """A demo file is in salescli's own style: a command's edit changes only its lines."""
    root = tmp_path / "copy"
    git(tmp_path, "clone", "-q", str(demo.root), str(root))
    copy = Repo(root)
    deal = next(d for _, d in _records(root, "deals") if d["status"] == "open")
    text = next(root.glob(f"deals/*/{deal['id']}.yaml")).read_text()
    assert RoundTrip(text).dump() == text
    result = copy.run("deal", "set", deal["id"], "value=123456", "--date", "2026-11-30")
    assert result.exit_code == 0, result.output
    assert copy.git("diff", "--numstat", "HEAD~1").split()[:2] == ["1", "1"]
    result = copy.run("log", "note", f"deal:{deal['id']}", "Checked", "--date", "2026-11-30")
    assert result.exit_code == 0, result.output
    assert copy.git("diff", "--numstat", "HEAD~1").split()[1] == "0"


def test_same_seed_same_head_other_seed_other_head(tmp_path: Path):
    """Byte-identical history, even in another process with another string hash seed."""
    build_demo(tmp_path / "a" / "demo", deals=10, seed=5, end=END)
    subprocess.run([sys.executable, "-m", "salescli", "demo", str(tmp_path / "b" / "demo"),
                    "--deals", "10", "--seed", "5", "--end", str(END)], check=True,
                   capture_output=True, cwd=tmp_path,
                   env={**os.environ, "PYTHONHASHSEED": "123"})
    build_demo(tmp_path / "c" / "demo", deals=10, seed=6, end=END)
    heads = [git(tmp_path / name / "demo", "rev-parse", "HEAD").strip() for name in "abc"]
    assert heads[0] == heads[1]
    assert heads[2] != heads[0]


def test_cli_builds_and_refuses_a_non_empty_directory(tmp_path: Path):
    target = tmp_path / "d"
    result = CliRunner().invoke(cli, ["demo", str(target), "--deals", "5", "--seed", "2",
                                      "--end", "2026-06-30"])
    assert result.exit_code == 0, result.output
    assert "5 deals" in result.output
    assert git(target, "log", "-1", "--format=%ad", "--date=short").strip() <= "2026-06-30"

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("keep\n")
    result = CliRunner().invoke(cli, ["demo", str(busy), "--deals", "5"])
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert [p.name for p in busy.iterdir()] == ["mine.txt"]
    assert (busy / "mine.txt").read_text() == "keep\n"


def test_the_demo_sets_goals_that_report_goals_measures(tmp_path):
    import json

    root = tmp_path / "small"
    r = CliRunner().invoke(cli, ["demo", str(root), "--deals", "50"])
    assert r.exit_code == 0, r.output
    settings = (root / "salescli.yaml").read_text()
    assert "  - {metric: won_value, period: month, target: 10000}\n" in settings
    assert "offering: order-processing automation" in settings
    r = CliRunner().invoke(cli, ["-C", str(root), "report", "goals", "--format", "json"])
    rows = json.loads(r.stdout)["rows"]
    assert [row["metric"] for row in rows] == ["won_value", "deals_won", "meetings_held",
                                               "new_leads"]


def test_the_demo_makes_tasks_approvals_ticks_and_custom_fields(demo: Repo):
    """The process features show in a demo: tasks done and open, an approver's
    approvals, checklists ticked, the competitor custom field."""
    subjects = demo.git("log", "--format=%s%x09%an").splitlines()
    assert any(": task: " in s for s in subjects)
    assert any(" done: " in s for s in subjects)
    assert any(": tick " in s for s in subjects)
    texts = [p.read_text() for p in (demo.root / "deals").rglob("*.yaml")]
    assert any("\ncompetitor: " in t for t in texts)
    assert any("\nchecklist:\n" in t for t in texts)
    assert any("    due: " in t for t in texts)


def test_every_won_customer_can_be_invoiced(demo: Repo):
    """A won deal's account has an address (from `account add --address`, or set before
    the win), so `salescli invoice` works on the demo as it stands."""
    accounts = dict((d["id"], d) for _, d in _records(demo.root, "accounts"))
    won = [d for _, d in _records(demo.root, "deals") if d["status"] == "won"]
    assert won and all(accounts[d["account"]].get("address") for d in won)
    r = demo.run("invoice", won[0]["id"], "--dry-run")
    assert r.exit_code == 0, r.output
    assert "Reference number" in r.stdout


def test_the_demos_schemas_carry_its_custom_field(tmp_path):
    from salescli.services.demo import custom_schemas
    from salescli.services.init import init_files

    files = init_files(tmp_path, "default", ["anna"])
    settings = files["salescli.yaml"] + ("custom_fields:\n  deal:\n    competitor: "
                                          "{type: choice, choices: [Visma, SAP]}\n")
    written = dict(custom_schemas(settings, files))
    assert list(written) == ["schemas/deal.schema.json"]
    assert '"competitor"' in written["schemas/deal.schema.json"]
    assert custom_schemas(files["salescli.yaml"], files) == []


SUNDAY = dt.date(2026, 11, 29)  # `at` moves a weekend day to Monday: past this end


@pytest.mark.parametrize("deals", [30, 45])
def test_the_demo_has_as_many_deals_as_asked_when_it_ends_on_a_sunday(tmp_path: Path,
                                                                       deals: int):
    """A deal arriving on the last weekend was dated the Monday after `--end`, and the
    replay, which stops at the end, dropped it: 29 deals of 30."""
    root = tmp_path / "demo"
    summary = build_demo(root, deals=deals, seed=1, end=SUNDAY)
    assert summary.deals == deals
    assert len(_records(root, "deals")) == deals
    assert git(root, "log", "-1", "--format=%ad", "--date=short").strip() <= str(SUNDAY)


def test_every_planned_deal_and_lead_starts_by_the_end():
    """Whatever the end's weekday, each deal's and lead's first event is on or before it."""
    creating = ("op_deal_add", "op_convert", "op_lead_add", "op_account_add")
    for end in (SUNDAY - dt.timedelta(days=1), SUNDAY, SUNDAY + dt.timedelta(days=1)):
        for deals in (1, 10, 30, 60, 120):
            demo = Demo(deals, 1, end)
            demo.plan()
            starts = [e for e in demo.events if e[2].__name__ in creating]
            assert all(when <= demo.end_dt for when, *_ in starts), (end, deals)
            made = [e for e in starts if e[2].__name__ == "op_deal_add"
                    or (e[2].__name__ == "op_convert" and e[3][3] is not None)]
            assert len(made) == deals, (end, deals)
