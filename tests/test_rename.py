"""`deal rename`, `account rename` and `deal delete`: one commit each, references
updated, history and reports following the record."""

from __future__ import annotations

import json

from conftest import DEAL
from conftest import Repo
from conftest import replaced

from salescli.store.yamlio import load_fast


def lead_converted(repo: Repo) -> None:
    repo.write("leads/2026-10/acme-lead.yaml", """
        id: acme-lead
        company: Acme Oy
        status: qualified
        created: 2026-09-20
        converted: {account: acme-oy, deal: acme-erp}
        """)
    repo.write("accounts/2026-10/acme-child.yaml", """
        id: acme-child
        name: Acme Child Oy
        parent: acme-oy
        created: 2026-10-02
        """)
    repo.commit("a lead converted into acme-erp, a child account")


def funnel(repo: Repo) -> dict:
    result = repo.run("report", "funnel", "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    return {"rows": got["rows"], "totals": got["totals"]}


def test_a_deal_renamed_keeps_its_history_and_its_references(filled: Repo):
    lead_converted(filled)
    before = funnel(filled)
    head = filled.head()
    result = filled.run("deal", "rename", "acme-erp", "acme-erp-2027")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Renamed deal acme-erp to acme-erp-2027 [")
    assert filled.git("rev-list", "--count", f"{head}..HEAD").strip() == "1"
    changed = filled.git("diff", "--name-status", "--no-renames", head, "HEAD").splitlines()
    assert sorted(changed) == ["A\tdeals/2026-10/acme-erp-2027.yaml",
                               "D\tdeals/2026-10/acme-erp.yaml",
                               "M\tleads/2026-10/acme-lead.yaml"]
    assert "converted: {account: acme-oy, deal: acme-erp-2027}" in \
        (filled.root / "leads/2026-10/acme-lead.yaml").read_text()
    assert funnel(filled) == before  # the same deal, not a new one created today
    assert filled.run("check").exit_code == 0
    assert filled.run("deal", "show", "acme-erp").exit_code == 1


def test_an_account_renamed_takes_its_deals_children_and_leads_along(filled: Repo):
    lead_converted(filled)
    result = filled.run("account", "rename", "acme-oy", "acme")
    assert result.exit_code == 0, result.output
    files = {p: (filled.root / p).read_text() for p in (
        "deals/2026-10/acme-erp.yaml", "accounts/2026-10/acme-child.yaml",
        "leads/2026-10/acme-lead.yaml", "accounts/2026-10/acme.yaml")}
    assert "account: acme\n" in files["deals/2026-10/acme-erp.yaml"]
    assert "parent: acme\n" in files["accounts/2026-10/acme-child.yaml"]
    assert "converted: {account: acme, deal: acme-erp}" in files["leads/2026-10/acme-lead.yaml"]
    assert files["accounts/2026-10/acme.yaml"].startswith("id: acme\n")
    assert not (filled.root / "accounts/2026-10/acme-oy.yaml").exists()
    assert filled.status() == "" and filled.run("check").exit_code == 0


def test_a_rename_refuses_a_taken_or_bad_id_and_changes_nothing(filled: Repo):
    lead_converted(filled)
    before = filled.state()
    result = filled.run("account", "rename", "acme-oy", "acme-child")
    assert result.exit_code == 1
    assert "account 'acme-child' already exists; choose another ID" in result.output
    result = filled.run("deal", "rename", "acme-erp", "Bad_ID")
    assert result.exit_code == 2
    assert filled.state() == before


def test_a_deleted_deal_leaves_the_present_not_the_past(filled: Repo):
    lead_converted(filled)
    result = filled.run("deal", "delete", "acme-erp", "--reason", "a test deal")
    assert result.exit_code == 0, result.output
    message = filled.git("log", "-1", "--format=%B")
    assert message.startswith("deal(acme-erp): delete\n\nReason: a test deal\n")
    assert not (filled.root / "deals/2026-10/acme-erp.yaml").exists()
    assert "converted: {account: acme-oy, deal: null}" in \
        (filled.root / "leads/2026-10/acme-lead.yaml").read_text()
    assert filled.run("deal", "list", "--status", "all").output.strip() == "(none)"
    assert funnel(filled)["totals"]["deals"] == 0
    assert filled.run("check").exit_code == 0


def test_a_delete_needs_a_reason(filled: Repo):
    result = filled.run("deal", "delete", "acme-erp")
    assert result.exit_code == 2 and "--reason" in result.output
    result = filled.run("deal", "delete", "acme-erp", "--reason", " ")
    assert result.exit_code == 2
    assert filled.status() == ""


def test_a_duplicate_account_merged_moves_everything_over(filled: Repo):
    lead_converted(filled)
    filled.write("accounts/2026-11/acme-2.yaml", """
        id: acme-2
        name: ACME Oy (duplicate)
        domain: acme.example
        region: Uusimaa
        tags: [wholesale]
        created: 2026-11-01
        contacts:
          - {id: mv, name: Matti Virtanen, email: matti@acme.example}
          - {id: liisa, name: Liisa Koski, title: CTO}
        activities:
          - {date: 2026-11-02, type: call, summary: Intro, with: [mv, liisa]}
        """)
    filled.write("deals/2026-11/acme-crm.yaml", """
        id: acme-crm
        title: CRM
        account: acme-2
        pipeline: default
        stage: needs-analysis
        status: open
        value: 1000.00
        close_date: 2027-01-31
        created: 2026-11-01
        stakeholders:
          - {contact: liisa}
          - {contact: mv}
        activities:
          - {date: 2026-11-03, type: meeting, summary: Demo, with: [mv]}
        """)
    filled.commit("a duplicate account and its deal")
    head = filled.head()
    result = filled.run("account", "merge", "acme-2", "acme-oy")
    assert result.exit_code == 0, result.output
    assert filled.git("rev-list", "--count", f"{head}..HEAD").strip() == "1"
    kept = (filled.root / "accounts/2026-10/acme-oy.yaml").read_text()
    assert "domain: acme.fi" in kept  # the account kept keeps its own
    assert "region: Uusimaa" in kept and "tags: [wholesale]" in kept  # what it lacked
    assert kept.count("name: Matti Virtanen") == 1  # one person, once
    assert "id: liisa" in kept and "summary: Intro" in kept
    assert not (filled.root / "accounts/2026-11/acme-2.yaml").exists()
    deal = (filled.root / "deals/2026-11/acme-crm.yaml").read_text()
    assert "account: acme-oy\n" in deal and "{contact: liisa}" in deal
    # Matti, `mv` in the duplicate, is matti-virtanen in the account kept: everywhere
    assert "{contact: matti-virtanen}" in deal and "with: [matti-virtanen]" in deal
    assert load_fast(kept)["activities"][-1]["with"] == ["matti-virtanen", "liisa"]
    check = filled.run("check")
    assert filled.status() == "" and check.exit_code == 0
    assert "unknown-contact" not in check.stdout, check.stdout
    result = filled.run("account", "merge", "acme-oy", "acme-oy")
    assert result.exit_code == 2 and "cannot be merged into itself" in result.output


def test_a_merge_finds_each_person_by_e_mail_keeps_what_they_lack_and_every_n(
        filled: Repo):
    # INTO has two Matti Virtanens; the duplicate's, by e-mail, is the second, with a
    # phone and a role INTO lacks and a second e-mail. INTO's activities keep their N.
    filled.write("accounts/2026-11/acme-3.yaml", """
        id: acme-3
        name: Acme Three
        created: 2026-11-01
        contacts:
          - {id: matti-a, name: Matti Virtanen, email: matti.a@acme.fi}
          - {id: matti-b, name: Matti Virtanen, email: matti.b@acme.fi}
        activities:
          - {date: 2026-11-20, type: task, summary: Send deck, due: 2026-11-25}
        """)
    filled.write("accounts/2026-11/acme-4.yaml", """
        id: acme-4
        name: Acme Four
        created: 2026-11-02
        contacts:
          - {id: mv, name: Matti Virtanen, email: MATTI.B@acme.fi, phone: 040 123 4567,
             role: champion}
          - {id: mv2, name: Matti Virtanen, email: matti@old.example}
        activities:
          - {date: 2026-11-01, type: call, summary: Intro, with: [mv, mv2]}
        """)
    filled.commit("two accounts of one company")
    result = filled.run("account", "merge", "acme-4", "acme-3")
    assert result.exit_code == 0, result.output
    kept = load_fast((filled.root / "accounts/2026-11/acme-3.yaml").read_text())
    people = {c["id"]: c for c in kept["contacts"]}
    assert people["matti-b"] == {"id": "matti-b", "name": "Matti Virtanen",
                                 "email": "matti.b@acme.fi", "phone": "040 123 4567",
                                 "role": "champion"}
    assert people["matti-a"] == {"id": "matti-a", "name": "Matti Virtanen",
                                 "email": "matti.a@acme.fi"}
    assert people["mv2"]["email"] == "matti@old.example"  # a third Matti: no way to tell
    # task 1 is still task 1; the duplicate's call comes after it, with the IDs in INTO
    assert [a["summary"] for a in kept["activities"]] == ["Send deck", "Intro"]
    assert kept["activities"][1]["with"] == ["matti-b", "mv2"]
    assert filled.run("check").exit_code == 0


def test_a_merge_matches_by_e_mail_before_name_and_makes_no_loop(filled: Repo):
    # into-c's matti: the duplicate's mv and mv-again (his e-mail) are him, before the
    # name-only mv-old, who is then someone else; liisa reports to matti, and the
    # duplicate's Matti to its Liisa: no loop comes of it. into-c was dup-c's child.
    filled.write("accounts/2026-11/dup-c.yaml", """
        id: dup-c
        name: Dup C
        created: 2026-11-01
        contacts:
          - {id: mv-old, name: Matti Virtanen, title: Intern}
          - {id: mv, name: Matti Virtanen, email: matti@c.fi, phone: 040 9, role: champion,
             reports_to: lk}
          - {id: mv-again, name: Matti Virtanen, email: MATTI@c.fi}
          - {id: lk, name: Liisa Koski}
        """)
    filled.write("accounts/2026-11/into-c.yaml", """
        id: into-c
        name: Into C
        parent: dup-c
        created: 2026-11-02
        contacts:
          - {id: matti, name: Matti Virtanen, email: matti@c.fi}
          - {id: liisa, name: Liisa Koski, reports_to: matti}
        """)
    filled.write("deals/2026-11/dc.yaml", replaced(replaced(DEAL, "acme-erp", "dc"),
                                                   "account: acme-oy", "account: dup-c")
                 .replace("created: 2026-10-01", "created: 2026-11-03")
                 .replace("{contact: matti-virtanen, role: economic-buyer}", "{contact: mv}"))
    filled.commit("a duplicate and its deal")
    result = filled.run("account", "merge", "dup-c", "into-c")
    assert result.exit_code == 0, result.output
    kept = load_fast((filled.root / "accounts/2026-11/into-c.yaml").read_text())
    people = {c["id"]: c for c in kept["contacts"]}
    assert sorted(people) == ["liisa", "matti", "mv-old"]
    assert people["matti"] == {"id": "matti", "name": "Matti Virtanen", "email": "matti@c.fi",
                               "phone": "040 9", "role": "champion"}  # no reports_to loop
    assert people["mv-old"]["title"] == "Intern" and "parent" not in kept
    deal = load_fast((filled.root / "deals/2026-11/dc.yaml").read_text())
    assert deal["account"] == "into-c" and deal["stakeholders"] == [{"contact": "matti"}]
    assert filled.run("check").exit_code == 0


def test_a_merge_keeps_each_address_once_and_sees_loops_through_moved_contacts(
        filled: Repo):
    # liisa's main e-mail is the duplicate's other one: the duplicate's main joins
    # `emails`, nothing twice. matti reports to lk after the merge, who reports to
    # pp = pekka, who reports to matti: that would be a loop, so it is left out.
    filled.write("accounts/2026-11/dup-a.yaml", """
        id: dup-a
        name: Dup A
        created: 2026-11-01
        contacts:
          - {id: lk, name: Liisa Koski, email: liisa@a.fi, emails: [l.k@a.fi], reports_to: pp}
          - {id: mv, name: Matti V, email: matti@a.fi, reports_to: lk2}
          - {id: lk2, name: Lauri K, reports_to: pp}
          - {id: pp, name: Pekka P, email: pekka@a.fi}
        """)
    filled.write("accounts/2026-11/into-a.yaml", """
        id: into-a
        name: Into A
        created: 2026-11-02
        contacts:
          - {id: liisa, name: Liisa Koski, email: l.k@a.fi}
          - {id: matti, name: Matti V, email: matti@a.fi}
          - {id: pekka, name: Pekka P, email: pekka@a.fi, reports_to: matti}
        """)
    filled.commit("two accounts")
    result = filled.run("account", "merge", "dup-a", "into-a")
    assert result.exit_code == 0, result.output
    people = {c["id"]: c for c in load_fast(
        (filled.root / "accounts/2026-11/into-a.yaml").read_text())["contacts"]}
    assert people["liisa"]["emails"] == ["liisa@a.fi"]
    assert "reports_to" not in people["matti"]
    assert people["lk2"]["reports_to"] == "pekka"
    assert filled.run("check").exit_code == 0


def test_a_record_that_cannot_be_read_and_names_the_account_stops_its_rename(filled: Repo):
    """A rename or merge updates every record that names the account; one it cannot read
    (a tab, a wrong type) would keep naming an account that is gone: refused, naming
    the file, whether the bad version is committed or not."""
    from conftest import ACCOUNT
    from conftest import refused

    filled.write("accounts/2026-10/beta-oy.yaml",
                 replaced(ACCOUNT, "acme-oy", "beta-oy").replace("Acme Oy", "Beta Oy"))
    filled.commit("another account")
    deal = "deals/2026-10/acme-erp.yaml"
    message = (f"{deal} names `acme-oy` but cannot be read as a record (see `salescli "
               "check`): fix it first; nothing was changed")
    for bad in ("\tnotes: x\n", "value: abc\n"):
        with (filled.root / deal).open("a") as fh:
            fh.write(bad)
        for args in (["account", "rename", "acme-oy", "acme"],
                     ["account", "merge", "acme-oy", "beta-oy"]):
            refused(filled, args, 1, message)
        filled.commit("the bad version committed")
        refused(filled, ["account", "rename", "acme-oy", "acme"], 1, message)
        filled.git("reset", "-q", "--hard", "HEAD~1")
    # a broken deal of another account is none of the rename's business
    (filled.root / deal).write_text(replaced(DEAL, "acme-oy", "beta-oy") + "\tx: 1\n")
    filled.commit("a broken deal of beta-oy")
    assert filled.run("account", "rename", "acme-oy", "acme").exit_code == 0


def test_a_rename_to_itself_is_a_usage_error_as_a_merge_into_itself_is(filled: Repo):
    from conftest import refused

    refused(filled, ["account", "rename", "acme-oy", "acme-oy"], 2,
            "account 'acme-oy' cannot be renamed to itself")
    refused(filled, ["deal", "rename", "acme-erp", "acme-erp"], 2,
            "deal 'acme-erp' cannot be renamed to itself")
    refused(filled, ["account", "merge", "acme-oy", "acme-oy"], 2,
            "an account cannot be merged into itself")
