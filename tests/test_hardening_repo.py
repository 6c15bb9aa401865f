"""The repository's state is never silently misread, and nothing is written outside it.

A repository git refuses, a missing identity, a failed `init`, committed records that
`check` rejects, and symlinked folders: each is one clear error (or one warning) and
leaves the repository exactly as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Repo
from conftest import git
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from salescli.cli import cli

# ------------------------------------------------------- a repository git refuses


@pytest.fixture
def dubious(filled: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """`filled`, with git refusing it for "dubious ownership".

    As root (CI, this machine) the repository really belongs to someone else; as
    another user git's own switch for the same check stands in for the chown.
    """
    filled.run("report", "funnel")  # a warm cache must not hide the refusal either
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "1234:1234", str(filled.root)], check=True)
    else:
        monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    assert subprocess.run(["git", "status"], cwd=filled.root,
                          capture_output=True).returncode != 0
    return filled


def _refused(r, root: Path) -> None:
    assert r.exit_code == 1, r.output
    assert "dubious ownership" in r.stderr
    assert f"git config --global --add safe.directory {root}" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output


def _trusted_head(repo: Repo) -> str:
    return subprocess.run(["git", "-c", f"safe.directory={repo.root}", "rev-parse", "HEAD"],
                          cwd=repo.root, capture_output=True, text=True).stdout.strip()


@pytest.mark.parametrize("args", [
    ("report", "funnel"),
    ("report", "funnel", "--no-cache"),
    ("report", "forecast", "--format", "json"),
    ("report", "changes"),
    ("stale",),
    ("today",),
    ("check", "--history"),
    ("review", "HEAD"),
    ("deal", "set", "acme-erp", "value=1"),
])
def test_a_repository_git_refuses_is_an_error_with_gits_fix(dubious: Repo, args: tuple):
    head, files = _trusted_head(dubious), dubious.snapshot()
    r = dubious.run(*args)
    _refused(r, dubious.root)
    assert "deals: 0" not in r.stdout and "(none)" not in r.stdout
    assert (_trusted_head(dubious), dubious.snapshot()) == (head, files)


def test_export_of_a_repository_git_refuses_writes_nothing(dubious: Repo, tmp_path: Path):
    out = tmp_path / "export"
    r = dubious.run("export", "--format", "jsonl", "--out", str(out))
    _refused(r, dubious.root)
    assert not out.exists()


# ------------------------------------------------------------------ git identity


@pytest.fixture
def anonymous(monkeypatch: pytest.MonkeyPatch) -> Path:
    """No identity from the environment or any configuration: git must guess one."""
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(var, raising=False)
    config = Path(os.environ["HOME"]) / ".gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n")
    return config


def _hook(repo: Repo) -> None:
    # any commit hook makes salescli commit through `git commit` instead of directly
    hook = repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)


def _git_commit_verdict(tmp_path: Path) -> tuple[int, str, str]:
    """What plain `git commit` does here: (exit code, its fatal line, the author)."""
    scratch = tmp_path / "scratch"
    subprocess.run(["git", "init", "-q", str(scratch)], check=True)
    (scratch / "f").write_text("x\n")
    git(scratch, "add", "f")
    proc = subprocess.run(["git", "commit", "-qm", "x"], cwd=scratch, capture_output=True,
                          text=True)
    fatal = next((ln for ln in proc.stderr.splitlines() if ln.startswith("fatal:")), "")
    author = git(scratch, "log", "-1", "--format=%an <%ae>") if proc.returncode == 0 else ""
    return proc.returncode, fatal, author.strip()


@pytest.mark.parametrize("hooked", [False, True], ids=["direct", "git-commit"])
def test_no_configured_identity_commits_exactly_as_git_commit_would(
        filled: Repo, anonymous: Path, tmp_path: Path, hooked: bool):
    # git guesses `root <root@host.(none)>` and refuses it on a host without a domain,
    # but may accept its guess elsewhere: salescli does what git commit does here
    if hooked:
        _hook(filled)
    code, fatal, author = _git_commit_verdict(tmp_path)
    head, files = filled.head(), filled.snapshot()
    r = filled.run("deal", "set", "acme-erp", "value=52000")
    if code != 0:
        assert r.exit_code == 1, r.output
        assert fatal and fatal in r.stderr, (fatal, r.stderr)
        assert 'git config --global user.email "you@example.com"' in r.stderr
        assert (filled.head(), filled.snapshot(), filled.status()) == (head, files, "")
    else:
        assert r.exit_code == 0, r.output
        assert filled.git("log", "-1", "--format=%an <%ae>").strip() == author


@pytest.mark.parametrize("hooked", [False, True], ids=["direct", "git-commit"])
def test_identity_required_from_configuration_is_refused_in_gits_words(
        filled: Repo, anonymous: Path, hooked: bool):
    anonymous.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tuseConfigOnly = true\n")
    if hooked:
        _hook(filled)
    head, files = filled.head(), filled.snapshot()
    r = filled.run("deal", "set", "acme-erp", "value=52000")
    assert r.exit_code == 1, r.output
    assert r.stderr.strip() == (
        "Error: commit failed, nothing changed: Author identity unknown: fatal: no email "
        "was given and auto-detection is disabled; git suggests: "
        '`git config --global user.email "you@example.com"`; '
        '`git config --global user.name "Your Name"`')
    assert (filled.head(), filled.snapshot(), filled.status()) == (head, files, "")


def test_a_configured_identity_still_commits_directly(filled: Repo, anonymous: Path):
    anonymous.write_text("[user]\n\tuseConfigOnly = true\n\tname = Ville\n"
                         "\temail = ville@example.com\n")
    r = filled.run("deal", "set", "acme-erp", "value=52000")
    assert r.exit_code == 0, r.output
    assert filled.git("log", "-1", "--format=%an <%ae>|%cn <%ce>").strip() == \
        "Ville <ville@example.com>|Ville <ville@example.com>"


def test_an_import_without_identity_is_refused(filled: Repo, anonymous: Path,
                                                tmp_path: Path):
    anonymous.write_text("[user]\n\tuseConfigOnly = true\n")
    deals = tmp_path / "deals.csv"
    deals.write_text("Deal - Title,Deal - Value,Deal - Currency,Deal - Stage,Deal - Status,"
                     "Deal - Organization,Deal - Expected close date,Deal - Deal created\n"
                     "ERP,100,EUR,Proposal,Open,Acme Oy,2025-01-31,2024-11-04 09:15:00\n")
    head, files = filled.head(), filled.snapshot()
    r = filled.run("import", "pipedrive", "--deals", str(deals),
                   "--stage-map", "Proposal=proposal")
    assert r.exit_code == 1, r.output
    assert "no email was given and auto-detection is disabled" in r.stderr
    assert (filled.head(), filled.snapshot(), filled.status()) == (head, files, "")


# ------------------------------------------------------------------- failed init


@pytest.fixture
def refusing_identity(anonymous: Path) -> None:
    anonymous.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tuseConfigOnly = true\n")


def _init(target: Path):
    return CliRunner().invoke(cli, ["init", str(target)])


def test_a_failed_init_of_a_new_folder_leaves_nothing(tmp_path: Path, refusing_identity):
    r = _init(tmp_path / "a" / "b" / "crm")
    assert r.exit_code == 1 and "auto-detection is disabled" in r.stderr, r.output
    assert list(tmp_path.iterdir()) == [tmp_path / "home"]


def test_a_failed_init_of_an_empty_folder_leaves_it_empty(tmp_path: Path, refusing_identity):
    target = tmp_path / "crm"
    target.mkdir()
    r = _init(target)
    assert r.exit_code == 1, r.output
    assert list(target.iterdir()) == []


def test_a_failed_init_leaves_an_adopted_repository_as_it_was(tmp_path: Path,
                                                             refusing_identity):
    target = Repo(tmp_path / "mine")
    subprocess.run(["git", "init", "-q", str(target.root)], check=True)
    target.write("README.md", "# mine\n")
    target.write("deals/notes.txt", "my own folder\n")
    target.git("add", "-A")
    target.git("-c", "user.name=Me", "-c", "user.email=me@example.com", "commit", "-qm", "mine")
    target.write("scratch.txt", "untracked\n")
    before = (target.head(), target.snapshot(), target.status(), target.git("ls-files", "-s"),
              (target.root / ".git" / "config").read_text(),
              sorted(p.name for p in (target.root / ".git").iterdir()))
    r = _init(target.root)
    assert r.exit_code == 1 and "auto-detection is disabled" in r.stderr, r.output
    assert (target.head(), target.snapshot(), target.status(), target.git("ls-files", "-s"),
            (target.root / ".git" / "config").read_text(),
            sorted(p.name for p in (target.root / ".git").iterdir())) == before


# ------------------------------------------- committed records that check rejects

JUNK = {
    "deals/2026-11/no-keys.yaml": "hello: world\n",                    # a mapping, no deal
    "deals/2026-11/a-list.yaml": "- a\n- b\n",
    "deals/2026-11/broken.yaml": "id: broken\nstage: [unclosed\n",
    "deals/2026-11/no-account.yaml": "id: no-account\ntitle: T\nstage: proposal\n"
                                     "status: open\ncreated: 2026-11-01\n",
    "deals/2026-11/bad-status.yaml": "id: bad-status\ntitle: T\naccount: acme-oy\n"
                                     "stage: proposal\nstatus: maybe\ncreated: 2026-11-01\n",
    "deals/2026-11/text-value.yaml": "id: text-value\ntitle: T\naccount: acme-oy\n"
                                     "stage: proposal\nvalue: 12k\ncreated: 2026-11-01\n",
    "deals/2026-11/empty.yaml": "",
}


def _funnel(repo: Repo, *args: str) -> tuple[dict, str]:
    r = repo.run("report", "funnel", "--format", "json", *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout), r.stderr


def test_reports_skip_committed_records_check_rejects_and_say_so(filled: Repo):
    for rel, text in JUNK.items():
        filled.write(rel, text)
    filled.git("add", "-A")
    filled.git("commit", "-qm", "hand-written junk", "--no-verify")
    assert filled.run("check").exit_code == 1
    for args in ((), (), ("--no-cache",)):  # first run, from the cache, recomputed
        out, err = _funnel(filled, *args)
        assert out["totals"]["deals"] == 1  # acme-erp only
        assert out["rows"][0]["reached"] == 1
        assert out["skipped"] == sorted(JUNK)
        assert err == ("warning: skipped 7 committed record file(s) that `salescli check` "
                       "rejects, such as deals/2026-11/a-list.yaml; each counts as its last "
                       "valid version, if any; fix and commit them (see `salescli check`)\n")
    r = filled.run("report", "forecast")
    assert r.exit_code == 0 and "skipped 7 committed record file(s)" in r.stderr


def test_a_deal_broken_by_a_commit_keeps_its_last_valid_version(filled: Repo):
    path = "deals/2026-10/acme-erp.yaml"
    filled.edit(path, "stage: needs-analysis", "stage: proposal")
    filled.edit(path, "status: open", "status: maybe")
    filled.git("commit", "-qam", "a typo", "--no-verify")
    out, err = _funnel(filled)
    assert out["totals"] == {"deals": 1, "won": 0, "lost": 0, "open": 1, "win_rate": None}
    assert [r["reached"] for r in out["rows"]] == [1, 0, 0, 0]  # the valid needs-analysis
    assert out["skipped"] == ["deals/2026-10/acme-erp.yaml"]
    assert "skipped 1 committed record file(s)" in err
    # its history too: deal_events (sql, export) has it to its last valid version
    r = filled.run("sql", "SELECT field, new FROM deal_events WHERE deal_id = 'acme-erp' "
                   "AND field = 'stage'", "--format", "csv")
    assert r.exit_code == 0 and r.stdout.splitlines() == ["field,new", "stage,needs-analysis"]
    filled.edit(path, "status: maybe", "status: open")
    filled.git("commit", "-qam", "fixed")
    out, err = _funnel(filled)
    assert [r["reached"] for r in out["rows"]] == [1, 1, 0, 0] and out["skipped"] == []
    assert err == ""
    # fixed, it changes what its last valid version held: the stage, not a new deal
    r = filled.run("sql", "SELECT field, old, new FROM deal_events WHERE deal_id = "
                   "'acme-erp' AND (field = 'stage' OR old IS NULL AND seq > 7)",
                   "--format", "csv")
    assert r.stdout.splitlines() == ["field,old,new", "stage,,needs-analysis",
                                     "stage,needs-analysis,proposal"], r.output


def test_a_tab_check_refuses_is_refused_by_the_reports_too(filled: Repo):
    # libyaml reads `stage:<TAB>proposal`, check refuses it: no report counts it either
    path = "deals/2026-10/acme-erp.yaml"
    filled.edit(path, "stage: needs-analysis", "stage:\tproposal")
    filled.git("commit", "-qam", "a tab", "--no-verify")
    assert filled.run("check").exit_code == 1
    out, err = _funnel(filled)
    assert [r["reached"] for r in out["rows"]] == [1, 0, 0, 0]
    assert out["skipped"] == [path] and "skipped 1 committed record file(s)" in err


def test_skipped_records_are_as_of_the_reports_moment(filled: Repo):
    first = filled.head()
    filled.write("deals/2026-11/no-keys.yaml", "hello: world\n")
    filled.commit("junk")
    out, _ = _funnel(filled)
    assert out["skipped"] == ["deals/2026-11/no-keys.yaml"]
    out, err = _funnel(filled, "--as-of", first)
    assert out["skipped"] == [] and err == ""


TITLES = st.one_of(
    st.sampled_from(["Order-processing automation", "Äänekoski: vaihe 2", "ERP: phase 2",
                     "'quoted'", '"double"', "'it''s'", "null", "~", "2024", "yes", "- x",
                     "a #b", "C#", "10:30", "x:", "[1]", "{a: 1}", "&a", "*a", "!x y", "|",
                     "\"a\\nb\"", "'bad' tail", "\u2028x", "\x85x", "caf\u00e9 & co"]),
    st.text(alphabet="abcÄ019 .:-_#'\"[]{}!&*,|>%@`\t", max_size=14),
)


@settings(max_examples=500, deadline=None)
@given(TITLES, st.dictionaries(
    st.sampled_from(["stage", "status", "value", "currency", "close_date", "probability",
                     "forecast", "owner", "account", "created"]),
    st.sampled_from(["proposal", "open", "won", "maybe", "null", "", "12k", "100.5", "100.555",
                     "-1", "EUR", "eur", "2027-01-31", "2027-02-30", "50", "101", "commit",
                     "acme-oy", "Acme", "yes", "'q'"]), max_size=5))
def test_history_skips_exactly_what_the_schema_rejects(title: str, values: dict[str, str]):
    # the line scan and the parser agree, and a version is read only if the deal's
    # schema accepts the keys reports read and the keys every deal has
    from salescli.core.model import Deal
    from salescli.core.record import ValidationError
    from salescli.store.history import _SCANNED
    from salescli.store.history import fast_fields
    from salescli.store.history import full_fields
    from salescli.store.yamlio import YamlProblem
    from salescli.store.yamlio import load_fast

    values.setdefault("account", "acme-oy")
    values.setdefault("created", "2026-01-01")
    text = f"id: x\ntitle: {title}\n" + "".join(f"{k}: {v}\n" for k, v in values.items())
    blob = text.encode()
    full, fast = full_fields("deal", blob), fast_fields("deal", blob)
    if fast is not None:
        assert fast == full, text
    try:
        data = load_fast(text)
        Deal.model_validate({k: v for k, v in data.items() if k in _SCANNED["deal"]})
        valid = True
    except (YamlProblem, ValidationError, ValueError, AttributeError):
        valid = False
    assert (full is not None) == valid, text


# --------------------------------------------------------------- symlinked folders


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def _link(repo: Repo, rel: str, target: Path, commit: bool) -> None:
    link = repo.root / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target, target_is_directory=True)
    if commit:  # a link that came with a pull, or one made by hand
        repo.git("add", rel)
        repo.git("commit", "-qm", f"link {rel}", "--no-verify")


def _refused_link(repo: Repo, args: tuple, link: str, outside: Path) -> None:
    head, files, status = repo.head(), repo.snapshot(), repo.status()
    r = repo.run(*args)
    assert r.exit_code == 1, r.output
    assert r.stderr.strip() == (
        f"Error: {link}: is a symbolic link, which could lead outside the repository; "
        "make it a real folder (see `salescli check`); nothing was written")
    assert list(outside.iterdir()) == []
    assert (repo.head(), repo.snapshot(), repo.status()) == (head, files, status)


@pytest.mark.parametrize("commit", [True, False], ids=["committed", "untracked"])
@pytest.mark.parametrize("link", ["deals/2026-12", "deals"])
def test_deal_add_never_writes_through_a_symlinked_folder(filled: Repo, outside: Path,
                                                         link: str, commit: bool):
    if link == "deals":  # the whole kind folder, moved aside and linked
        (filled.root / "deals").rename(filled.root / "deals-real")
    _link(filled, link, outside, commit)
    _refused_link(filled, ("deal", "add", "Warehouse", "--account", "acme-oy", "--value", "5",
                           "--close-date", "2027-01-31", "--date", "2026-12-05",
                           "--no-commit"), link, outside)


@pytest.mark.parametrize("link", ["quotes/acme-erp", "quotes"])
def test_quote_never_writes_through_a_symlinked_folder(filled: Repo, outside: Path, link: str):
    filled.edit("salescli.yaml",  # a quote names its seller
                "company:\n  name: null", "company:\n  name: Hubble Oy")
    r = filled.run("deal", "item", "add", "acme-erp", "--name", "Work", "--quantity", "1",
                   "--unit-price", "100", "--tax-rate", "24")
    assert r.exit_code == 0, r.output
    if link == "quotes":
        (filled.root / "quotes").rename(filled.root / "quotes-real")
    _link(filled, link, outside, commit=True)
    _refused_link(filled, ("quote", "acme-erp", "--no-commit"), link, outside)
    _refused_link(filled, ("quote", "acme-erp"), link, outside)


def test_an_import_never_writes_through_a_symlinked_folder(filled: Repo, outside: Path,
                                                           tmp_path: Path):
    deals = tmp_path / "deals.csv"
    deals.write_text("Deal - Title,Deal - Value,Deal - Currency,Deal - Stage,Deal - Status,"
                     "Deal - Organization,Deal - Expected close date,Deal - Deal created\n"
                     "ERP,100,EUR,Proposal,Open,Acme Oy,2025-01-31,2024-11-04 09:15:00\n")
    _link(filled, "deals/2024-11", outside, commit=True)
    _refused_link(filled, ("import", "pipedrive", "--deals", str(deals),
                           "--stage-map", "Proposal=proposal"), "deals/2024-11", outside)


def test_check_flags_symlinked_document_folders(filled: Repo, outside: Path):
    _link(filled, "quotes/acme-erp", outside, commit=True)
    (filled.root / "templates").rename(filled.root / "templates-real")
    _link(filled, "templates", outside, commit=True)
    r = filled.run("check")
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [
        "quotes/acme-erp:1:1: error: is a symbolic link; documents and templates must be "
        "real folders and files inside the repository [symlink]",
        "templates:1:1: error: is a symbolic link; documents and templates must be "
        "real folders and files inside the repository [symlink]",
    ]


def test_a_cached_clean_check_still_sees_a_new_symlinked_quote_folder(filled: Repo,
                                                                     outside: Path,
                                                                     monkeypatch):
    (filled.root / "quotes" / "acme-erp").mkdir()
    hour_ago = os.path.getmtime(filled.root / "salescli.yaml") - 3600
    for dirpath, dirnames, filenames in os.walk(filled.root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in [*dirnames, *filenames, "."]:
            os.utime(os.path.join(dirpath, name), (hour_ago, hour_ago))
    # utime cannot set the change times back: close the racy window, as an hour would
    monkeypatch.setattr("salescli.services.checkcache.FRESH_NS", 0)
    assert filled.run("check").exit_code == 0
    assert (filled.root / ".git" / "salescli" / "check.cache").exists()  # answered from it next
    (filled.root / "quotes" / "acme-erp").rmdir()
    _link(filled, "quotes/acme-erp", outside, commit=False)
    r = filled.run("check")
    assert r.exit_code == 1 and "quotes/acme-erp:1:1: error: is a symbolic link" in r.stdout


def test_a_missing_object_is_an_error_not_an_empty_history(filled: Repo):
    blob = filled.git("rev-parse", "HEAD:deals/2026-10/acme-erp.yaml").strip()
    (filled.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # a damaged clone
    r = filled.run("report", "funnel", "--no-cache")
    assert r.exit_code == 1, r.output
    assert r.stderr.strip() == (f"Error: git cat-file: object {blob} named by the history of "
                                "deals is missing; run `git fsck` (or fetch the missing "
                                "objects) first")


def test_a_cache_of_a_pruned_commit_is_read_anew_not_an_error(filled: Repo):
    import marshal

    filled.run("report", "funnel")
    cache = filled.root / ".git" / "salescli" / "deal-history.cache"
    data = marshal.loads(cache.read_bytes())
    data["rev"] = "1" * 40  # a commit gc pruned after a rebase
    cache.write_bytes(marshal.dumps(data))
    filled.edit("deals/2026-10/acme-erp.yaml", "stage: needs-analysis", "stage: proposal")
    filled.git("commit", "-qam", "advanced by hand")
    out, err = _funnel(filled)
    assert (out, err) == _funnel(filled, "--no-cache")
    assert [r["reached"] for r in out["rows"]] == [1, 1, 0, 0]


@pytest.mark.parametrize("link", ["deals/2026-12", "leads"])
def test_temp_file_cleanup_never_reaches_through_a_symlinked_folder(filled: Repo,
                                                                    outside: Path, link: str):
    # a change deletes temp files a killed salescli left in the record folders; one
    # of that name in a linked folder is someone else's
    theirs = outside / ".x.yaml.abcd1234.tmp"
    theirs.write_text("not salescli's\n")
    if link == "leads":
        (filled.root / "leads").rename(filled.root / "leads-real")
    _link(filled, link, outside, commit=False)
    r = filled.run("deal", "set", "acme-erp", "value=52000")
    assert r.exit_code == 0, r.output
    assert theirs.read_text() == "not salescli's\n"


@pytest.mark.parametrize("make", ["folder", "broken link"])
def test_a_record_path_that_is_no_file_is_named_not_reported_missing(filled: Repo, make: str):
    rel = "deals/2026-10/acme-erp.yaml"
    path = filled.root / rel
    path.unlink()
    if make == "folder":
        path.mkdir()
    else:
        path.symlink_to("/nonexistent.yaml")
    for args in (["deal", "set", "acme-erp", "value=5"], ["deal", "show", "acme-erp"]):
        r = filled.run(*args)
        assert r.exit_code == 1 and r.stderr == (
            f"Error: {rel}: is not a regular file (a folder, a pipe or a broken link); a "
            f"record is a file: restore it (git checkout -- {rel}) or remove it\n"), r.output
