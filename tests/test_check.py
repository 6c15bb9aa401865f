"""`salescli check`: every defect with its exact diagnostic and exit code."""

from __future__ import annotations

import json

import pytest
from conftest import DEAL
from conftest import Repo
from conftest import deal_with
from conftest import replaced


def check_lines(repo: Repo, *args: str) -> tuple[int, list[str]]:
    result = repo.run("check", *args)
    return result.exit_code, [ln for ln in result.stdout.splitlines() if ln]


def test_a_valid_repository_has_no_findings(filled: Repo):
    assert check_lines(filled) == (0, [])


D = "deals/2026-10/"
A = "accounts/2026-10/"

CASES = [
    # (file, content, expected diagnostic)
    (D + "syntax.yaml", "id: [unclosed\n",
     D + "syntax.yaml:2:1: error: did not find expected ',' or ']' [yaml]"),
    (D + "dup.yaml", "id: dup\ntitle: a\nid: dup\n",
     D + "dup.yaml:3:1: error: duplicate key 'id' (first at line 1); keep one of them "
     "[duplicate-key]"),
    (D + "conflict.yaml", "id: c\n<<<<<<< HEAD\ntitle: a\n=======\ntitle: b\n>>>>>>> other\n",
     D + "conflict.yaml:2:1: error: merge conflict markers: resolve the conflict and remove "
     "the markers [conflict]"),
    (D + "empty.yaml", "",
     D + "empty.yaml:1:1: error: file is empty; a deal is a YAML mapping [empty]"),
    (D + "list.yaml", "- a\n- b\n",
     D + "list.yaml:1:1: error: a deal must be a mapping of keys, not a list [not-a-mapping]"),
    (D + "multi.yaml", "id: m\n---\nid: n\n",
     D + "multi.yaml:2:1: error: several YAML documents in one file; a record is one document "
     "(remove '---') [multiple-documents]"),
    (D + "tagged.yaml", "id: !!python/object:os.system x\n",
     D + "tagged.yaml:1:5: error: tags such as 'tag:yaml.org,2002:python/object:os.system' are "
     "not allowed in records [unsupported]"),
    (D + "alias.yaml", "id: a\nx: &x [1, 2]\ny: *x\n",
     D + "alias.yaml:2:4: error: anchors and aliases (&, *) are not allowed in records "
     "[unsupported]"),
    (D + "nul-byte.yaml", "id: a\ntitle: \0\n",
     D + "nul-byte.yaml:2:1: error: file contains a NUL byte; records are UTF-8 text [encoding]"),
]


@pytest.mark.parametrize("rel,content,expected", CASES, ids=[c[0] for c in CASES])
def test_unreadable_files(filled: Repo, rel: str, content: str, expected: str):
    (filled.root / rel).write_text(content)
    code, lines = check_lines(filled)
    assert code == 1
    assert lines == [expected]


def test_non_utf8_file(filled: Repo):
    (filled.root / D / "latin.yaml").write_bytes(b"id: latin\ntitle: \xe4\n")
    assert check_lines(filled) == (1, [
        D + "latin.yaml:2:1: error: file is not valid UTF-8; save it as UTF-8 [encoding]"])


DEAL_CASES = [
    ({"status": "opne"}, "6:9: error: status: should be 'open', 'won' or 'lost' [schema]"),
    ({"title": "12"}, "2:8: error: title: expected text [schema]"),
    ({"value": "10.555"}, "7:8: error: value: at most 2 decimals [schema]"),
    ({"value": '"100"'}, "7:8: error: value: expected a number, not the text '100' (remove "
     "the quotes) [schema]"),
    ({"probability": "120"}, "15:14: error: probability: should be less than or equal to 100 "
     "[schema]"),
    ({"close_date": "2027-02-30"},
     "9:13: error: close_date: '2027-02-30' is not a real date [yaml]"),
    ({"close_date": '"soon"'}, "9:13: error: close_date: expected a date YYYY-MM-DD [schema]"),
    ({"close_date": "2025-12-31"}, "9:13: warning: `close_date` 2025-12-31 is before the deal "
     "was created (2026-10-01): a year typed wrong? [date-order]"),
    ({"title": None}, "1:1: error: missing required key `title` [required]"),
    ({"clsoe_date": "2027-01-01"},
     "15:1: warning: unknown key `clsoe_date`; did you mean `close_date`? [unknown-key]"),
    ({"id": "other"}, "1:5: error: id `other` does not match the file name `acme-erp.yaml`; "
     "rename the file or set `id: acme-erp` [id-mismatch]"),
    ({"created": "2026-09-30"}, "12:10: warning: created 2026-09-30 but the file is in "
     "2026-10/; records stay in the folder of the month they were created [month-folder]"),
    ({"account": "nobody"}, "3:10: error: account `nobody` does not exist; add it with "
     "`salescli account add` or fix `account:` [unknown-account]"),
    ({"stage": "proposall"}, "5:8: error: stage `proposall` is not in pipeline `default` "
     "(needs-analysis, proposal, negotiation, contracting) [unknown-stage]"),
    ({"pipeline": "nope"}, "4:11: error: pipeline `nope` has no file pipelines/nope.yaml "
     "[unknown-pipeline]"),
    ({"stage": "proposal"}, "5:8: warning: stage `proposal` requires `items` [requirement]"),
    ({"close_date": None}, "1:1: error: an open deal needs a `close_date` (the expected close "
     "date) [required]"),
    ({"status": "lost"}, "6:9: error: a lost deal needs a `lost_reason` (one of: price, budget, "
     "timing, no-need, competitor, no-response, requirements, other) [lost-reason]"),
    ({"status": "lost", "lost_reason": "weather"}, "15:14: error: lost_reason `weather` is not "
     "one of the settings' lost_reasons: price, budget, timing, no-need, competitor, "
     "no-response, requirements, other [lost-reason]"),
    ({"currency": "EUX"}, "8:11: error: `EUX` is not an ISO 4217 currency code [currency]"),
    ({"owner": "bob"}, "10:8: warning: owner `bob` is not in the settings' owners "
     "[unknown-owner]"),
]


@pytest.mark.parametrize("changes,expected", DEAL_CASES, ids=[str(c[0]) for c in DEAL_CASES])
def test_deal_defects(filled: Repo, changes: dict, expected: str):
    filled.write(D + "acme-erp.yaml", deal_with(**changes))
    code, lines = check_lines(filled)
    assert f"{D}acme-erp.yaml:{expected}" in lines, "\n".join(lines)
    assert code == (1 if ": error:" in expected else 0)


def test_stakeholder_must_be_a_contact_of_the_account(filled: Repo):
    filled.write(D + "acme-erp.yaml", replaced(DEAL, "contact: matti-virtanen", "contact: ghost"))
    assert check_lines(filled) == (1, [
        D + "acme-erp.yaml:14:15: error: stakeholder `ghost` is not a contact of account "
        "`acme-oy` [unknown-contact]"])


def test_approved_discount_passes(filled: Repo):
    filled.write(D + "acme-erp.yaml", deal_with(
        items="[{name: Work, unit_price: 100, discount: 20}]", approved_by="ville"))
    assert check_lines(filled) == (0, [])


def test_a_discount_awaiting_approval_is_a_state_not_an_error(filled: Repo):
    filled.write(D + "acme-erp.yaml", deal_with(
        items="[{name: Work, unit_price: 100, discount: 20}]"))
    assert check_lines(filled) == (0, [])


@pytest.mark.parametrize("old,new,expected", [
    # one bad value leaves its stage out of the pipeline's model, not out of the file:
    # the deals in it are no "unknown stage" (the default pipeline's needs-analysis)
    ("max_days: 21", "max_days: 0", "pipelines/default.yaml:9:15: error: stages[0].max_days: "
     "should be greater than or equal to 1 [schema]"),
    # a pipeline that cannot be read is its file's error, not every deal's "no file"
    ("requires: [account, value, close_date]", "requires: [account, value, close_date",
     "pipelines/default.yaml:11:14: error: did not find expected ',' or ']' [yaml]"),
])
def test_a_broken_pipeline_is_one_error_of_its_file(filled: Repo, old: str, new: str,
                                                    expected: str):
    filled.edit("pipelines/default.yaml", old, new, 1)
    for staged in ((), ("--staged",)):
        if staged:
            filled.git("add", "-A")
        code, lines = check_lines(filled, *staged)
        assert code == 1 and len(lines) == 1 and lines[0].startswith(expected), lines


def test_a_stage_id_that_is_no_text_is_a_schema_error_not_a_crash(filled: Repo):
    filled.edit("pipelines/default.yaml", "- id: proposal", "- id: [proposal]")
    for staged in ((), ("--staged",)):
        if staged:
            filled.git("add", "-A")
        code, lines = check_lines(filled, *staged)
        assert code == 1 and "pipelines/default.yaml:24:5: error: stages[1].id: expected " \
            "text [schema]" in lines, lines


def test_a_command_names_a_broken_pipelines_own_error_not_a_missing_file(filled: Repo):
    filled.edit("pipelines/default.yaml", "probability: 30", "probability: high")
    filled.commit("a typo")
    r = filled.run("deal", "set", "acme-erp", "value=50000")
    assert "has no file" not in r.output, r.output

def test_every_error_of_a_pipeline_at_its_line(filled: Repo):
    # a bad probability leaves proposal out of the model: the errors of the stages after
    # it are still at their own lines, and a stage listed twice is still said
    filled.edit("pipelines/default.yaml", "probability: 30", "probability: 150")
    filled.edit("pipelines/default.yaml", "requires: [quote]", "requires: [quote, budget_ok]")
    filled.edit("pipelines/default.yaml", "- id: contracting", "- id: proposal")
    code, lines = check_lines(filled)
    assert code == 1 and lines == [
        "pipelines/default.yaml:27:18: error: stages[1].probability: should be less than or "
        "equal to 100 [schema]",
        "pipelines/default.yaml:44:23: error: stage `negotiation` requires `budget_ok`, which "
        "is neither a deal field nor decision_maker, quote, accepted_quote, next_step or "
        "stakeholders [unknown-requirement]",
        "pipelines/default.yaml:55:9: error: stage `proposal` is defined twice "
        "[duplicate-stage]"], lines

def test_a_fifo_in_a_records_place_is_a_finding_not_a_hang(filled: Repo):
    # (a FIFO opened for reading waits for a writer: check, and the hook, hung there)
    import os
    import subprocess
    import sys

    path = filled.root / D / "acme-erp.yaml"
    path.unlink()
    os.mkfifo(path)
    r = subprocess.run([sys.executable, "-m", "salescli", "-C", str(filled.root), "check"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    assert f"{D}acme-erp.yaml:1:1: error: cannot read: not a regular file [io]" in r.stdout

def test_an_unknown_locale_is_an_error_of_the_settings(filled: Repo):
    # documents refuse it; only the tables got by with a warning
    filled.edit("salescli.yaml", "locale: en_US", "locale: xx_YY")
    code, lines = check_lines(filled)
    assert code == 1 and lines == [
        "salescli.yaml:15:9: error: unknown locale 'xx_YY'; use a name such as fi_FI, en_US, "
        "sv_SE or de_DE [unknown-locale]"], lines

def test_a_numbering_that_cannot_number_a_document_is_an_error_now(filled: Repo):
    # not at the first invoice: 1 to 99 give no reference number of 3 digits
    filled.edit("salescli.yaml", 'invoice: {numbering: "{year}{seq:04d}"}',
                'invoice: {numbering: "INV-{seq:04d}"}')
    code, lines = check_lines(filled)
    assert code == 1 and len(lines) == 1 and lines[0].endswith(
        "error: invoice number 'INV-0001' has 1 digits; a reference number needs 3 to 19: set "
        "invoice.numbering in salescli.yaml, e.g. \"{year}{seq:04d}\" [bad-numbering]"), lines

def test_approved_by_must_name_an_approver_once_there_are_approvers(filled: Repo):
    filled.edit("salescli.yaml", "approvers: {}", "approvers: {anna: 30}")
    filled.write(D + "acme-erp.yaml", deal_with(
        items="[{name: Work, unit_price: 100, discount: 20}]", approved_by="nobody-at-all"))
    assert check_lines(filled) == (1, [
        D + "acme-erp.yaml:16:14: error: approved_by `nobody-at-all` is not one of the "
        "settings' approvers (anna); an approver runs `salescli deal approve acme-erp` "
        "[approval]"])
    filled.write(D + "acme-erp.yaml", deal_with(
        items="[{name: Work, unit_price: 100, discount: 20}]", approved_by="anna"))
    assert check_lines(filled) == (0, [])


def test_an_org_chart_has_no_loop(filled: Repo):
    filled.write(A + "acme-group.yaml", """
        id: acme-group
        name: Acme Group
        created: 2026-10-01
        contacts:
          - {id: juha, name: Juha, reports_to: anna}
          - {id: anna, name: Anna, reports_to: liisa}
          - {id: liisa, name: Liisa, reports_to: anna}
        """)
    code, lines = check_lines(filled)
    assert (code, lines) == (1, [
        A + "acme-group.yaml:6:40: error: contacts report to each other: anna -> liisa -> "
        "anna [reports-to-cycle]"])


def test_references_and_hierarchy(filled: Repo):
    filled.write(A + "acme-group.yaml", """
        id: acme-group
        name: Acme Group
        parent: acme-oy
        created: 2026-10-01
        contacts:
          - {id: liisa, name: Liisa, reports_to: nobody}
        """)
    filled.edit(A + "acme-oy.yaml", "owner: anna", "parent: acme-group\nowner: anna")
    code, lines = check_lines(filled)
    assert code == 1
    assert lines == [
        A + "acme-group.yaml:3:9: error: account hierarchy has a cycle: "
        "acme-group -> acme-oy -> acme-group [parent-cycle]",
        A + "acme-group.yaml:6:42: error: contact `liisa` reports to `nobody`, who is not a "
        "contact of this account [unknown-contact]",
    ]


def test_an_address_that_is_no_e_mail_is_warned_of(filled: Repo):
    filled.write(A + "acme-group.yaml", """
        id: acme-group
        name: Acme Group
        contacts:
          - {id: liisa, name: Liisa, email: liisa@acme.fi, emails: [liisa at home]}
          - {id: pekka, name: Pekka, email: "+358 40 123 4567"}
          - {id: sanna, name: Sanna, email: sanna@acme}
        """)
    filled.write("leads/2026-11/beta.yaml", """
        id: beta
        company: Beta
        contact: {name: Sara, email: sara.beta.example}
        created: 2026-11-01
        """)
    assert check_lines(filled) == (0, [
        A + "acme-group.yaml:4:61: warning: contact `liisa`'s emails `liisa at home` is not an "
        "e-mail address [email]",
        A + "acme-group.yaml:5:37: warning: contact `pekka`'s email `+358 40 123 4567` is not "
        "an e-mail address [email]",
        A + "acme-group.yaml:6:37: warning: contact `sanna`'s email `sanna@acme` is not an "
        "e-mail address [email]",
        "leads/2026-11/beta.yaml:3:30: warning: contact.email `sara.beta.example` is not an "
        "e-mail address [email]"])


def test_missing_parent_account(filled: Repo):
    filled.edit(A + "acme-oy.yaml", "owner: anna", "parent: ghost-group\nowner: anna")
    assert check_lines(filled) == (1, [
        A + "acme-oy.yaml:5:9: error: parent account `ghost-group` does not exist "
        "[unknown-account]"])


def test_lead_defects(filled: Repo):
    filled.write("leads/2026-11/beta.yaml", """
        id: beta
        company: Beta
        status: disqualified
        created: 2026-11-01
        converted: {account: nobody, deal: none-deal}
        """)
    filled.write("leads/2026-11/gamma.yaml", """
        id: gamma
        company: Gamma
        status: disqualified
        disqualify_reason: rude
        created: 2026-11-01
        """)
    code, lines = check_lines(filled)
    L = "leads/2026-11/"
    reasons = "not-icp, no-need, unreachable, budget-or-tech"  # both refusals name them all
    assert code == 1
    assert lines == [
        L + "beta.yaml:3:9: error: a disqualified lead needs a `disqualify_reason` (one of: "
        f"{reasons}) [disqualify-reason]",
        L + "beta.yaml:5:22: error: converted to account `nobody`, which does not exist "
        "[unknown-account]",
        L + "beta.yaml:5:36: error: converted to deal `none-deal`, which does not exist "
        "[unknown-deal]",
        L + f"gamma.yaml:4:20: error: disqualify_reason `rude` is not one of: {reasons} "
        "[disqualify-reason]",
    ]


def test_probable_duplicates_by_business_id_email_phone_domain(filled: Repo):
    filled.write(A + "acme-copy.yaml", """
        id: acme-copy
        name: ACME
        business_id: 1234567-8
        domain: https://www.acme.fi/
        created: 2026-10-01
        """)
    filled.write("leads/2026-11/matti.yaml", """
        id: matti
        company: Matti's firm
        contact: {name: Matti, email: Matti.Virtanen@acme.fi, phone: 040 123 4567}
        created: 2026-11-01
        """)
    code, lines = check_lines(filled)
    assert code == 0  # duplicates are warnings: a human decides
    dup = [ln for ln in lines if "[duplicate]" in ln]
    assert A + "acme-copy.yaml:3:14: warning: probable duplicate: same business_id " \
        "`1234567-8` as accounts/2026-10/acme-oy.yaml [duplicate]" in dup
    assert A + "acme-copy.yaml:4:9: warning: probable duplicate: same domain `acme.fi` as " \
        "accounts/2026-10/acme-oy.yaml, leads/2026-11/matti.yaml [duplicate]" in dup
    assert "leads/2026-11/matti.yaml:3:31: warning: probable duplicate: same e-mail " \
        "`matti.virtanen@acme.fi` as accounts/2026-10/acme-oy.yaml [duplicate]" in dup
    assert "leads/2026-11/matti.yaml:3:62: warning: probable duplicate: same phone " \
        "`401234567` as accounts/2026-10/acme-oy.yaml [duplicate]" in dup


def test_pipeline_file_defects(filled: Repo):
    filled.write("pipelines/default.yaml", """
        name: default
        stages:
          - id: needs-analysis
            probability: 50
            requires: [budgett]
          - id: proposal
            probability: 40
          - id: proposal
            probability: 60
          - id: too-sure
            probability: 140
        lost: {requires: [reasons]}
        """)
    code, lines = check_lines(filled)
    P = "pipelines/default.yaml"
    assert code == 1
    assert lines == [
        P + ":5:16: error: stage `needs-analysis` requires `budgett`, which is neither a deal "
        "field nor decision_maker, quote, accepted_quote, next_step or stakeholders "
        "[unknown-requirement]",
        P + ":7:18: error: stage `proposal` has probability 40, lower than the stage before it "
        "(50); probabilities never decrease [probability-order]",
        P + ":8:9: error: stage `proposal` is defined twice [duplicate-stage]",
        P + ":11:18: error: stages[3].probability: should be less than or equal to 100 "
        "[schema]",
        P + ":12:19: error: `lost` requires `reasons`, which is not a deal field or predicate "
        "[unknown-requirement]",
    ]


def test_misplaced_and_symlinked_files(filled: Repo):
    filled.write("deals/loose.yaml", "id: loose\n")
    (filled.root / D / "link.yaml").symlink_to(filled.root / D / "acme-erp.yaml")
    code, lines = check_lines(filled)
    assert code == 1
    assert lines == [
        D + "link.yaml:1:1: error: is a symbolic link; records must be regular files [symlink]",
        "deals/loose.yaml:1:1: error: deal files belong in deals/YYYY-MM/ID.yaml; move it "
        "there [misplaced]",
    ]


def test_one_bad_file_never_stops_the_others_and_json_lists_all(filled: Repo):
    for rel, content, _ in CASES:
        (filled.root / rel).write_text(content)
    filled.edit(A + "acme-oy.yaml", "role: economic-buyer", "role: boss")
    result = filled.run("check", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    paths = {d["path"] for d in report["diagnostics"]}
    assert {rel for rel, _, _ in CASES} <= paths
    assert A + "acme-oy.yaml" in paths
    assert report["errors"] == len(report["diagnostics"]) - report["warnings"]
    first = report["diagnostics"][0]
    assert set(first) == {"path", "line", "column", "severity", "code", "message"}


def test_quiet_hides_warnings(filled: Repo):
    filled.write(D + "acme-erp.yaml", deal_with(owner="bob"))
    assert check_lines(filled, "--quiet") == (0, [])


def test_usage_error_exits_2(filled: Repo):
    assert filled.run("check", "--format", "xml").exit_code == 2


def test_parallel_check_finds_exactly_what_serial_check_finds(filled: Repo, monkeypatch):
    from salescli.services import check
    from salescli.store import runtime

    for n in range(12):
        filled.write(f"{A}co-{n}.yaml", f"id: co-{n}\nname: Co {n}\ncreated: 2026-10-01\n"
                     + ("parent: ghost\n" if n % 5 == 0 else ""))
        filled.write(f"{D}d-{n}.yaml", deal_with(id=f"d-{n}", account=f"co-{n}",
                                                  stage="proposal" if n % 3 else "nope"))
        filled.write(f"leads/2026-11/l-{n}.yaml", f"id: l-{n}\ncompany: L\ncreated: 2026-11-01\n"
                     f"status: {'disqualified' if n % 4 == 0 else 'new'}\n")
    for a, b in (("x", "y"), ("y", "x")):  # a parent cycle and a duplicate domain
        filled.write(f"{A}cyc-{a}.yaml", f"id: cyc-{a}\nname: C\ndomain: same.fi\n"
                     f"parent: cyc-{b}\ncreated: 2026-10-01\n")
    serial = check.run_check(filled.root)
    monkeypatch.setattr(runtime, "PARALLEL_FROM", 2)
    monkeypatch.setattr(runtime, "CHUNK", 5)
    parallel = check.run_check(filled.root)
    assert parallel == serial
    codes = [d.code for d in serial]
    assert {c: codes.count(c) for c in set(codes)} == {
        "unknown-account": 3, "unknown-stage": 4, "requirement": 8, "disqualify-reason": 3,
        "unknown-contact": 12, "parent-cycle": 1, "duplicate": 2}


def test_free_mail_domains_are_not_duplicates(filled: Repo):
    for n in (1, 2):
        filled.write(f"leads/2026-11/p{n}.yaml", f"id: p{n}\ncompany: P{n}\ncreated: 2026-11-01\n"
                     f"contact: {{name: P, email: p{n}@gmail.com}}\n")
    assert check_lines(filled) == (0, [])


def test_common_currencies_are_iso_codes_babel_knows():
    # the codes checked without babel are a subset of the list babel checks the rest by
    from salescli.services.check import COMMON_CURRENCIES
    from salescli.services.check import iso_currencies

    assert COMMON_CURRENCIES <= iso_currencies()
