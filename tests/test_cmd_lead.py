"""`salescli lead ...`: the lead flow of SPEC 3.2, end to end in real repositories."""

from __future__ import annotations

import pytest
from conftest import SOON
from conftest import Repo
from conftest import bad_id
from conftest import not_an_email
from conftest import not_found
from conftest import probable_duplicate
from conftest import refused
from conftest import replaced
from test_cmd_account import changed
from test_cmd_account import dedent
from test_cmd_account import last_commit
from test_cmd_account import read

from salescli.core.dates import HELP as DATE_HELP

BETA = "leads/2026-11/beta-ltd.yaml"
MATTI = "contact matti-virtanen of account acme-oy"  # of `filled`
BETA_TEXT = """\
# from the website form, 1 Nov
id: beta-ltd
company: Beta Ltd
contact: {name: Sara Beta, email: sara@beta.example, phone: "+44 20 1234 5678", title: COO}
source: website   # the pricing page
status: new
owner: anna
created: 2026-11-01
# nothing below yet
"""


@pytest.fixture
def beta(filled: Repo) -> Repo:
    """`filled` (account acme-oy with matti-virtanen, deal acme-erp) plus lead beta-ltd."""
    filled.write(BETA, BETA_TEXT)
    filled.commit("a lead")
    return filled


def with_status(repo: Repo, status: str, extra: str = "") -> Repo:
    repo.write(BETA, replaced(BETA_TEXT, "status: new", f"status: {status}{extra}"))
    repo.commit("status")
    return repo


def lead_with(repo: Repo, old: str, new: str) -> Repo:
    """Lead beta-ltd with `old` in its file made `new`, committed."""
    repo.write(BETA, replaced(BETA_TEXT, old, new))
    repo.commit()
    return repo


def converted(repo: Repo, lead: str, *args: str):
    """`lead convert LEAD ARGS`, which must succeed; its result."""
    result = repo.run("lead", "convert", lead, *args)
    assert result.exit_code == 0, result.output
    return result


# --------------------------------------------------------------------- lead add


def test_lead_add_with_everything(filled: Repo):
    result = filled.run("lead", "add", "Beta Ltd", "--contact", "Sara Beta", "--email",
                        "sara@beta.example", "--phone", "+44 20 1234 5678", "--title", "COO",
                        "--source", "website", "--owner", "anna", "--date", "2026-11-01")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Added lead beta-ltd [{filled.head()[:7]}]\n"
    assert read(filled, BETA) == dedent("""
        id: beta-ltd
        company: Beta Ltd
        contact: {name: Sara Beta, email: sara@beta.example, phone: +44 20 1234 5678, title: COO}
        source: website
        status: new
        owner: anna
        created: 2026-11-01
        """)
    assert last_commit(filled) == "lead(beta-ltd): add from website\n\nSalescli-Event: add"
    assert changed(filled) == ["A", BETA]
    shown = filled.run("lead", "show", "beta-ltd").stdout  # the contact's title too
    assert "\ncontact  Sara Beta\ntitle    COO\nemail    sara@beta.example\n" in shown, shown
    assert filled.git("log", "-1", "--format=%aI").strip() == "2026-11-01T12:00:00+00:00"
    assert filled.run("check").exit_code == 0


def test_lead_add_company_only(repo: Repo):
    result = repo.run("lead", "add", "Gamma Oy", "--id", "gamma", "--date", "2026-12-04")
    assert result.exit_code == 0, result.output
    assert read(repo, "leads/2026-12/gamma.yaml") == dedent("""
        id: gamma
        company: Gamma Oy
        status: new
        owner: anna
        created: 2026-12-04
        """)
    assert last_commit(repo) == "lead(gamma): add\n\nSalescli-Event: add"


def test_lead_add_force_adds_a_probable_duplicate(beta: Repo):
    result = beta.run("lead", "add", "Beta Again", "--email", "sara@beta.example", "--force")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Added lead beta-again [")


def test_a_converted_lead_is_compared_through_its_account(beta: Repo):
    beta.run("lead", "convert", "beta-ltd", "--no-deal", "--date", "2026-11-10")
    refused(beta, ["lead", "add", "Beta", "--email", "Sara@Beta.example"], 1,
            probable_duplicate("e-mail", "Sara@Beta.example",
                               "contact sara-beta of account beta-ltd"))


@pytest.mark.parametrize("args,code,message", [
    (["Beta", "--email", " SARA@beta.example"], 1,
     probable_duplicate("e-mail", "SARA@beta.example", "lead beta-ltd")),
    (["Beta", "--contact", "Sara", "--phone", "020 1234 5678"], 1,
     probable_duplicate("phone", "020 1234 5678", "lead beta-ltd")),
    (["Acme", "--phone", "040-1234567"], 1,
     probable_duplicate("phone", "040-1234567", MATTI)),
    (["Acme", "--email", "matti.virtanen@acme.fi"], 1,
     probable_duplicate("e-mail", "matti.virtanen@acme.fi", MATTI)),
    (["Delta", "--source", "tv"], 2,
     "unknown source 'tv'; choose one of: website, referral, linkedin, event, outbound, "
     "partner, inbound (settings in salescli.yaml)"),
    (["Delta", "--owner", "bob"], 2,
     "unknown owner 'bob'; choose one of: anna (settings in salescli.yaml)"),
    (["Delta", "--id", "Delta"], 2, bad_id("lead", "Delta")),
    (["Delta", "--id", "beta-ltd"], 1, "lead 'beta-ltd' already exists; choose another --id"),
    (["Delta", "--date", "yesterdy"], 2,
     f'invalid --date "yesterdy" (did you mean yesterday?): use {DATE_HELP}'),
    (["Delta", "--contact", "Dora", "--email", "dora@delta"], 2,
     not_an_email("--email", "dora@delta")),
])
def test_lead_add_refusals(beta: Repo, args: list[str], code: int, message: str):
    refused(beta, ["lead", "add", *args], code, message)


# --------------------------------------------------------------------- lead set


def test_lead_set_golden_round_trip(beta: Repo):
    result = beta.run("lead", "set", "beta-ltd", "source=referral")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Updated lead beta-ltd: source=referral [{beta.head()[:7]}]\n"
    assert read(beta, BETA) == BETA_TEXT.replace("source: website   #", "source: referral  #")
    assert last_commit(beta) == "lead(beta-ltd): set source=referral\n\nSalescli-Event: set"


def test_lead_set_contact_fields_and_new_keys(beta: Repo):
    result = beta.run("lead", "set", "beta-ltd", "contact.email=sara.b@beta.example",
                      "notes=Wants a demo")
    assert result.exit_code == 0, result.output
    assert read(beta, BETA) == (
        BETA_TEXT.replace("sara@beta.example", "sara.b@beta.example")
        .replace("# nothing below yet\n", "notes: Wants a demo\n# nothing below yet\n"))
    assert beta.run("check").exit_code == 0


@pytest.mark.parametrize("args,code,message", [
    (["status=qualified"], 2, "`status` is not set directly: use `salescli lead contact`, "
                              "`lead qualify`, `lead disqualify` or `lead convert`"),
    (["converted.account=acme-oy"], 2, "`converted` is not set directly: use "
                                       "`salescli lead convert`"),
    (["disqualify_reason=not-icp"], 2, "`disqualify_reason` is not set directly: use "
                                       "`salescli lead disqualify --reason`"),
    (["id=beta"], 2, "`id` is not set directly: it is the file name"),
    (["activities=x"], 2, "`activities` is not set directly: use `salescli log`"),
    (["compnay=Beta"], 2, "a lead has no field `compnay` (did you mean `company`?); fields: "
                          "company, contact, source, owner, created, notes"),
    (["contact.mail=x"], 2, "`contact` has no field `mail`; fields: name, email, phone, title"),
    (["owner.x=1"], 2, "`owner` has no sub-fields; set it as owner=VALUE"),
    (["source=tv"], 2, "unknown source 'tv'; choose one of: website, referral, linkedin, "
                       "event, outbound, partner, inbound (settings in salescli.yaml)"),
    (["created=2026-02-30"], 2, f'invalid created "2026-02-30": use {DATE_HELP}'),
    (["contact.email=Sara <sara@beta.example>"], 2,
     not_an_email("contact.email", "Sara <sara@beta.example>")),
])
def test_lead_set_refusals(beta: Repo, args: list[str], code: int, message: str):
    refused(beta, ["lead", "set", "beta-ltd", *args], code, message)


def test_lead_edit(beta: Repo, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EDITOR", "sed -i 's/^company: Beta Ltd/company: Beta Limited/'")
    monkeypatch.delenv("VISUAL", raising=False)
    result = beta.run("lead", "edit", "beta-ltd")
    assert result.exit_code == 0, result.output
    assert read(beta, BETA) == BETA_TEXT.replace("Beta Ltd", "Beta Limited")


# ------------------------------------------------------------- the lead's status


def test_lead_contact(beta: Repo):
    result = beta.run("lead", "contact", "beta-ltd", "--date", "2026-11-02T09:30:00+02:00")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Lead beta-ltd: contacted [{beta.head()[:7]}]\n"
    assert read(beta, BETA) == BETA_TEXT.replace("status: new", "status: contacted")
    assert last_commit(beta) == "lead(beta-ltd): new -> contacted\n\nSalescli-Event: contact"
    assert beta.git("log", "-1", "--format=%aI").strip() == "2026-11-02T09:30:00+02:00"
    # again, and the same for qualify and disqualify: nothing to change, exit 0
    head = beta.head()
    again = beta.run("lead", "contact", "beta-ltd")
    assert again.exit_code == 0 and again.stdout == \
        "Lead beta-ltd: contacted (no change: nothing to commit)\n"
    for args in (("qualify", "beta-ltd"),
                 ("disqualify", "beta-ltd", "--reason", "no-need", "--note", "Next year")):
        assert beta.run("lead", *args).exit_code == 0
        head = beta.head()
        again = beta.run("lead", *args)
        assert again.exit_code == 0 and "(no change: nothing to commit)" in again.stdout
        assert beta.head() == head
    # another note, even the end of the last one, is added
    assert beta.run("lead", "disqualify", "beta-ltd", "--reason", "no-need", "--note",
                    "year").exit_code == 0
    assert beta.head() != head and "notes: |\n  Next year\n  year\n" in read(beta, BETA)


def test_a_call_on_a_new_lead_marks_it_contacted_in_the_same_commit(beta: Repo):
    # a note is no contact: the lead stays new
    assert beta.run("log", "note", "beta-ltd", "Found on the pricing page").exit_code == 0
    assert "status: new" in read(beta, BETA)
    logged = beta.run("log", "call", "beta-ltd", "Intro call")
    assert logged.exit_code == 0, logged.output
    assert logged.stdout.startswith("Logged call on lead beta-ltd: ")
    assert "; new -> contacted [" in logged.stdout
    assert "status: contacted" in read(beta, BETA) and changed(beta) == ["M", BETA]
    assert last_commit(beta).endswith("Salescli-Event: log")
    again = beta.run("log", "email", "beta-ltd", "Sent the deck")
    assert again.exit_code == 0 and "contacted" not in again.stdout
    assert "status: contacted" in read(beta, BETA)


def test_a_task_done_on_a_new_lead_marks_it_contacted(beta: Repo):
    # as the first-contact SLA counts it: a task still open is no contact, one done is
    assert beta.run("task", "add", "beta-ltd", "Call Sara", "--due", "2026-11-05").exit_code == 0
    assert "status: new" in read(beta, BETA)
    done = beta.run("task", "done", "beta-ltd", "1")
    assert done.exit_code == 0, done.output
    assert done.stderr == "note: lead beta-ltd: new -> contacted\n"
    assert "status: contacted" in read(beta, BETA) and changed(beta) == ["M", BETA]


def test_a_cancelled_meeting_leaves_a_new_lead_new(beta: Repo):
    result = beta.run("log", "meeting", "beta-ltd", "Intro", "--status", "cancelled")
    assert result.exit_code == 0 and "contacted" not in result.stdout
    assert "status: new" in read(beta, BETA)


def test_a_call_on_a_lead_the_flow_holds_back_stays_new_and_says_why(beta: Repo):
    lead_with(beta, "contact: {name: Sara Beta, email: sara@beta.example, "
              'phone: "+44 20 1234 5678", title: COO}', "contact: {title: COO}")
    result = beta.run("log", "call", "beta-ltd", "Spoke to reception")
    assert result.exit_code == 0, result.output
    assert "contacted" not in result.stdout and "status: new" in read(beta, BETA)
    assert result.stderr.startswith("note: lead beta-ltd stays new: cannot mark beta-ltd "
                                    "contacted: it needs contact.name")


def test_lead_qualify_hints_at_convert(beta: Repo):
    with_status(beta, "contacted")
    result = beta.run("lead", "qualify", "beta-ltd")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Lead beta-ltd: qualified [{beta.head()[:7]}]\n"
        "Next: salescli lead convert beta-ltd --value AMOUNT --close-date DATE "
        "(or --no-deal for the account only)\n")
    assert read(beta, BETA) == BETA_TEXT.replace("status: new", "status: qualified")
    assert last_commit(beta) == ("lead(beta-ltd): contacted -> qualified\n\n"
                                 "Salescli-Event: qualify")


def test_lead_disqualify_appends_the_note(beta: Repo):
    with_status(beta, "contacted", "\nnotes: Met at Slush.")
    result = beta.run("lead", "disqualify", "beta-ltd", "--reason", "not-icp", "--note",
                      "Two people, no ERP")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Lead beta-ltd: disqualified (not-icp) [{beta.head()[:7]}]\n"
    assert read(beta, BETA) == BETA_TEXT.replace(
        "status: new", "status: disqualified\nnotes: |\n  Met at Slush.\n  Two people, no ERP"
    ).replace("created: 2026-11-01\n", "created: 2026-11-01\ndisqualify_reason: not-icp\n")
    assert last_commit(beta) == ("lead(beta-ltd): disqualified (not-icp)\n\n"
                                 "Salescli-Event: disqualify")
    assert beta.run("check").exit_code == 0


def test_lead_disqualify_without_a_note(beta: Repo):
    result = beta.run("lead", "disqualify", "beta-ltd", "--reason", "unreachable")
    assert result.exit_code == 0, result.output
    assert read(beta, BETA) == BETA_TEXT.replace("status: new", "status: disqualified").replace(
        "created: 2026-11-01\n", "created: 2026-11-01\ndisqualify_reason: unreachable\n")


CONVERTED = "\nconverted: {account: acme-oy, deal: null}"


@pytest.mark.parametrize("command,status,extra,message", [
    (["contact"], "qualified", "", "cannot mark beta-ltd contacted: it is qualified, not new"),
    (["contact"], "qualified", CONVERTED,
     "cannot mark beta-ltd contacted: it was converted to account acme-oy"),
    (["qualify"], "disqualified", "\ndisqualify_reason: no-need",
     "cannot qualify beta-ltd: it is disqualified, not new or contacted"),
    (["disqualify", "--reason", "not-icp"], "disqualified", "\ndisqualify_reason: no-need",
     "cannot disqualify beta-ltd: it is disqualified, not new or contacted or qualified"),
    (["disqualify", "--reason", "no-need"], "qualified", CONVERTED,
     "cannot disqualify beta-ltd: it was converted to account acme-oy"),
    (["convert", "--no-deal"], "qualified", CONVERTED,
     "cannot convert beta-ltd: it was converted to account acme-oy"),
    (["convert", "--no-deal"], "disqualified", "\ndisqualify_reason: no-need",
     "cannot convert beta-ltd: it is disqualified, not new or contacted or qualified"),
])
def test_status_changes_the_flow_does_not_have(beta: Repo, command: list[str], status: str,
                                               extra: str, message: str):
    with_status(beta, status, extra)
    refused(beta, ["lead", command[0], "beta-ltd", *command[1:]], 1, message)


@pytest.mark.parametrize("args,code,message", [
    (["lead", "disqualify", "beta-ltd", "--reason", "rude"], 2,
     "unknown disqualify reason 'rude'; choose one of: not-icp, no-need, unreachable, "
     "budget-or-tech (settings in salescli.yaml)"),
    (["lead", "contact", "nope"], 1, not_found("lead", "nope")),
    (["lead", "qualify", "../beta-ltd"], 2, bad_id("lead", "../beta-ltd")),
])
def test_status_refusals(beta: Repo, args: list[str], code: int, message: str):
    refused(beta, args, code, message)


def test_disqualify_needs_a_reason(beta: Repo):
    before, head = beta.snapshot(), beta.head()
    result = beta.run("lead", "disqualify", "beta-ltd")
    assert result.exit_code == 2
    assert "Missing option '--reason'" in result.stderr
    assert beta.snapshot() == before and beta.head() == head


# ---------------------------------------------------------------- lead convert


def test_convert_creates_account_contact_and_deal_in_one_commit(beta: Repo):
    with_status(beta, "contacted")
    result = converted(beta, "beta-ltd", "--value", "12000", "--close-date", "2027-02-28",
                       "--date", "2026-12-03")
    assert result.stdout == (
        "Converted lead beta-ltd: account beta-ltd (new), contact sara-beta, deal beta-ltd "
        f"in needs-analysis [{beta.head()[:7]}]\n")
    assert beta.git("log", "-1", "--format=%s%n%n%b").strip() == (
        "lead(beta-ltd): convert -> account beta-ltd, deal beta-ltd\n\n"
        "Salescli-Event: convert")
    assert beta.git("rev-list", "--count", "HEAD~1..HEAD").strip() == "1"
    assert sorted(changed(beta)[i:i + 2] for i in range(0, 6, 2)) == [
        ["A", "accounts/2026-12/beta-ltd.yaml"],
        ["A", "deals/2026-12/beta-ltd.yaml"],
        ["M", BETA],
    ]
    assert read(beta, "accounts/2026-12/beta-ltd.yaml") == dedent("""
        id: beta-ltd
        name: Beta Ltd
        domain: beta.example
        owner: anna
        created: 2026-12-03
        contacts:
          - id: sara-beta
            name: Sara Beta
            title: COO
            email: sara@beta.example
            phone: +44 20 1234 5678
        """)
    assert read(beta, "deals/2026-12/beta-ltd.yaml") == dedent("""
        id: beta-ltd
        title: Beta Ltd
        account: beta-ltd
        pipeline: default
        stage: needs-analysis
        status: open
        value: 12000.00
        currency: EUR
        close_date: 2027-02-28
        owner: anna
        source: website
        created: 2026-12-03
        stakeholders:
          - {contact: sara-beta}
        """)
    assert read(beta, BETA) == BETA_TEXT.replace("status: new", "status: qualified").replace(
        "created: 2026-11-01\n",
        "created: 2026-11-01\nconverted: {account: beta-ltd, deal: beta-ltd}\n")
    assert beta.status() == ""
    check = beta.run("check")
    assert check.exit_code == 0, check.output


def test_convert_no_deal_creates_the_account_only(beta: Repo):
    result = converted(beta, "beta-ltd", "--no-deal", "--date", "2026-11-20")
    assert result.stdout == ("Converted lead beta-ltd: account beta-ltd (new), contact "
                             f"sara-beta, no deal [{beta.head()[:7]}]\n")
    assert last_commit(beta) == ("lead(beta-ltd): convert -> account beta-ltd, no deal\n\n"
                                 "Salescli-Event: convert")
    assert changed(beta) == ["A", "accounts/2026-11/beta-ltd.yaml", "M", BETA]
    assert "converted: {account: beta-ltd, deal: null}\n" in read(beta, BETA)
    assert beta.run("check").exit_code == 0


def test_a_converted_lead_is_no_target_of_a_bare_id(beta: Repo):
    # the lead and its account share beta-ltd: a call was refused as ambiguous; after
    # the account's rename, it went onto the closed lead, where no report saw it
    converted(beta, "beta-ltd", "--no-deal", "--date", "2026-11-20")
    r = beta.run("log", "call", "beta-ltd", "Follow-up", "--date", "2026-11-21")
    assert r.exit_code == 0 and r.stdout.startswith("Logged call on account beta-ltd"), \
        r.output
    assert beta.run("account", "rename", "beta-ltd", "beta-group").exit_code == 0
    refused(beta, ["log", "call", "beta-ltd", "Again"], 1,
            "lead beta-ltd was converted into account beta-group: name them (or "
            "lead:beta-ltd for the lead itself)")
    r = beta.run("log", "note", "lead:beta-ltd", "Kept on the lead", "--date", "2026-11-22")
    assert r.exit_code == 0, r.output


def test_convert_into_the_account_with_the_same_domain(beta: Repo):
    lead_with(beta, "sara@beta.example", "sara@acme.fi")
    result = converted(beta, "beta-ltd", "--title", "Pilot", "--value", "5000",
                       "--close-date", "2027-01-15", "--date", "2026-11-20")
    assert result.stdout.startswith(
        "Converted lead beta-ltd: account acme-oy (existing, same domain acme.fi), contact "
        "sara-beta, deal pilot in needs-analysis [")
    assert sorted(changed(beta)[i:i + 2] for i in range(0, 6, 2)) == [
        ["A", "deals/2026-11/pilot.yaml"],
        ["M", "accounts/2026-10/acme-oy.yaml"],
        ["M", BETA],
    ]
    assert read(beta, "accounts/2026-10/acme-oy.yaml").endswith("""\
    influence: high
  - id: sara-beta
    name: Sara Beta
    title: COO
    email: sara@acme.fi
    phone: +44 20 1234 5678
""")
    deal = read(beta, "deals/2026-11/pilot.yaml")
    assert "title: Pilot\naccount: acme-oy\n" in deal
    assert "converted: {account: acme-oy, deal: pilot}" in read(beta, BETA)
    assert beta.run("check").exit_code == 0


def test_a_contact_known_by_email_alone_is_named_by_it_in_the_documented_order():
    # where the lead flow asks no name, `lead convert` names the contact by their
    # e-mail; `name` still comes before `email` in the account's file
    from salescli.core.model import MODELS
    from salescli.services.leads import lead_person

    lead = MODELS["lead"].model_validate({
        "id": "beta-ltd", "company": "Beta Ltd", "created": "2026-11-01",
        "contact": {"email": "sara@acme.fi", "title": "COO"}})
    assert list(lead_person(lead).items()) == [
        ("name", "sara@acme.fi"), ("title", "COO"), ("email", "sara@acme.fi")]


def test_convert_reuses_a_contact_with_the_same_email(beta: Repo):
    lead_with(beta, "sara@beta.example", "Matti.Virtanen@acme.fi")
    result = converted(beta, "beta-ltd", "--account", "acme-oy", "--value", "1",
                       "--close-date", "2027-01-15", "--date", "2026-11-20")
    assert "account acme-oy (existing), contact matti-virtanen (existing), deal" in result.stdout
    assert sorted(changed(beta)[i:i + 2] for i in range(0, 4, 2)) == [
        ["A", "deals/2026-11/beta-ltd.yaml"], ["M", BETA]]
    assert "  - {contact: matti-virtanen}\n" in read(beta, "deals/2026-11/beta-ltd.yaml")


def test_convert_never_takes_a_mail_provider_for_the_company(repo: Repo):
    repo.write("accounts/2026-10/webmail.yaml", "id: webmail\nname: Webmail\ndomain: gmail.com\n")
    repo.write("leads/2026-11/solo.yaml",
               "id: solo\ncompany: Solo Consulting\ncontact: {name: Sam, email: sam@gmail.com}\n"
               "created: 2026-11-01\n")
    repo.commit()
    result = converted(repo, "solo", "--no-deal", "--date", "2026-11-02")
    assert "account solo-consulting (new)" in result.stdout
    assert read(repo, "accounts/2026-11/solo-consulting.yaml") == dedent("""
        id: solo-consulting
        name: Solo Consulting
        owner: anna
        created: 2026-11-02
        contacts:
          - id: sam
            name: Sam
            email: sam@gmail.com
        """)


@pytest.mark.parametrize("args,code,message", [
    (["--value", "12000"], 2,
     "--close-date is required: the new deal needs an expected close date (or use --no-deal)"),
    (["--no-deal", "--value", "1", "--stage", "proposal"], 2,
     "--no-deal creates no deal: drop --value, --stage"),
    (["--close-date", SOON], 1,
     "cannot convert beta-ltd with a deal in `needs-analysis`: `needs-analysis` requires "
     "`value`"),
    (["--value", "1", "--close-date", SOON, "--stage", "proposal"], 1,
     "cannot convert beta-ltd with a deal in `proposal`: `proposal` requires a stakeholder "
     "with role economic-buyer or decision-maker; `proposal` requires `items`"),
    # a stage or pipeline that does not exist is a usage error (README, "Exit codes")
    (["--value", "1", "--close-date", SOON, "--stage", "won"], 2,
     "cannot convert beta-ltd with a deal in `won`: no stage `won` in pipeline `default`; "
     "choose one of: needs-analysis, proposal, negotiation, contracting"),
    (["--value", "1", "--close-date", SOON, "--pipeline", "nope"], 2,
     "--pipeline: no pipeline `nope` in pipelines/; choose one of: default"),
    (["--value", "lots", "--close-date", SOON], 2,
     "--value: 'lots' is not an amount of money; use digits such as 48000 or 48000.50"),
    (["--value", "1", "--close-date", "28.2.2027"], 2,
     f'invalid --close-date "28.2.2027": use {DATE_HELP}'),
    (["--no-deal", "--account", "nope"], 1, not_found("account", "nope")),
    (["--no-deal", "--account", "No Pe"], 2, bad_id("account", "No Pe")),
    (["--value", "1", "--close-date", "2025-12-31", "--date", "2026-11-02"], 2,
     "--close-date 2025-12-31 is before the deal is created (2026-11-02); give the day you "
     "expect it to close"),
])
def test_convert_refusals(beta: Repo, args: list[str], code: int, message: str):
    refused(beta, ["lead", "convert", "beta-ltd", *args], code, message)


def test_convert_names_an_unknown_lead_before_what_its_deal_needs(beta: Repo):
    refused(beta, ["lead", "convert", "nope"], 1, not_found("lead", "nope"))


def test_convert_refuses_an_ambiguous_match(beta: Repo):
    beta.write("accounts/2026-10/acme-2.yaml", "id: acme-2\nname: Acme Two\ndomain: acme.fi\n")
    lead_with(beta, "sara@beta.example", "sara@acme.fi")
    refused(beta, ["lead", "convert", "beta-ltd", "--no-deal"], 1,
            "cannot convert beta-ltd: accounts acme-2, acme-oy all have its domain; "
            "choose one with --account")


def test_convert_refuses_a_lead_whose_account_file_is_dirty(beta: Repo):
    lead_with(beta, "sara@beta.example", "sara@acme.fi")
    path = beta.root / "accounts/2026-10/acme-oy.yaml"
    path.write_text(path.read_text() + "notes: draft\n")
    before, head = beta.snapshot(), beta.head()
    result = beta.run("lead", "convert", "beta-ltd", "--no-deal")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: accounts/2026-10/acme-oy.yaml: has uncommitted changes; commit or discard "
        "them first (git diff HEAD -- accounts/2026-10/acme-oy.yaml)\n")
    assert beta.snapshot() == before and beta.head() == head


def test_convert_matches_a_business_id_written_on_the_lead(beta: Repo):
    # Lead has no business_id field (check warns about it), but one typed in counts
    lead_with(beta, "company: Beta Ltd", "company: Beta Ltd\nbusiness_id: 1234 567-8")
    result = converted(beta, "beta-ltd", "--no-deal")
    assert "account acme-oy (existing, same business id 1234567-8)" in result.stdout


def test_convert_writes_nothing_when_a_later_file_fails(beta: Repo):
    # the account is written before the deal is validated: the deal's error undoes it
    beta.edit("salescli.yaml", "currency: EUR", "currency: ABC")
    beta.commit("a currency check refuses")
    refused(beta, ["lead", "convert", "beta-ltd", "--value", "1", "--close-date", "2027-01-01",
                   "--date", "2026-12-05"], 1,
            "deals/2026-12/beta-ltd.yaml: `ABC` is not an ISO 4217 currency code; "
            "nothing was changed")
    assert not (beta.root / "accounts/2026-12/beta-ltd.yaml").exists()


def no_lead_flow(repo: Repo) -> None:
    """Settings whose lead flow requires nothing (`lead_flow: {}`), committed."""
    settings = repo.root / "salescli.yaml"
    settings.write_text(settings.read_text() + "lead_flow: {}\n")
    repo.commit("no lead flow requirements")


def test_convert_names_a_contact_without_a_name_by_their_email(repo: Repo):
    no_lead_flow(repo)  # converting, not the flow's requirements, is what is tested
    repo.write("leads/2026-11/eta.yaml", "id: eta\ncompany: Eta\ncontact: {email: info@eta.fi, "
               "title: Office}\ncreated: 2026-11-01\n")
    repo.write("leads/2026-11/theta.yaml", "id: theta\ncompany: Theta\ncontact: {title: CEO}\n"
               "created: 2026-11-01\n")
    repo.commit()
    assert repo.run("lead", "convert", "eta", "--no-deal", "--date", "2026-11-02").exit_code == 0
    assert read(repo, "accounts/2026-11/eta.yaml").endswith(
        "contacts:\n  - id: info-eta-fi\n    name: info@eta.fi\n    title: Office\n"
        "    email: info@eta.fi\n")
    converted(repo, "theta", "--no-deal", "--date", "2026-11-02")
    assert "contacts" not in read(repo, "accounts/2026-11/theta.yaml")
    assert repo.run("check").exit_code == 0


def test_convert_a_lead_without_a_contact(repo: Repo):
    """A lead with only a company converts into an account and a deal with no
    stakeholders (the draft deal was validated with `stakeholders: None`: exit 2)."""
    no_lead_flow(repo)
    assert repo.run("lead", "add", "Nobody Oy").exit_code == 0
    converted(repo, "nobody-oy", "--value", "1000", "--close-date", SOON)
    deal = next((repo.root / "deals").glob("*/nobody-oy.yaml")).read_text()
    assert "stakeholders" not in deal
    assert repo.run("check").exit_code == 0


def test_duplicates_are_compared_file_by_file_and_contact_by_contact(beta: Repo):
    """Two files of one ID (which `check` refuses) are two records to compare, and two
    contacts of one ID two people: the first file or contact with a match is named, by
    its first matching key, and `lead convert` will not choose between two files."""
    beta.write("accounts/2025-01/dup-co.yaml", """
        id: dup-co
        name: Dup Alpha
        business_id: "111"
        domain: dup.fi
        contacts:
          - {id: pat, name: Pat One, email: pat0@x.fi, phone: +358 40 111 1111}
          - {id: pat, name: Pat Two, email: pat1@x.fi}
        """)
    beta.write("accounts/2025-02/dup-co.yaml",
               "id: dup-co\nname: Dup Beta\nbusiness_id: \"222\"\ndomain: dup.fi\n")
    beta.commit("two files of one account ID")
    refused(beta, ["account", "add", "Dup Alpha", "--business-id", "222"], 1,
            probable_duplicate("name", "Dup Alpha", "account dup-co"))
    refused(beta, ["lead", "add", "Zq", "--email", "pat1@x.fi", "--phone", "040 111 1111"], 1,
            probable_duplicate("phone", "040 111 1111", "contact pat of account dup-co"))
    lead_with(beta, "sara@beta.example", "ann@dup.fi")
    refused(beta, ["lead", "convert", "beta-ltd", "--no-deal"], 1,
            "cannot convert beta-ltd: accounts dup-co, dup-co all have its domain; choose one "
            "with --account")


@pytest.mark.parametrize("args", [
    ["Beta Ltd"], ["Another", "--email", "sara@beta.example"]])
def test_a_lead_that_cannot_be_read_but_may_be_the_same_stops_an_add(beta: Repo, args):
    """Duplicates are looked for among the records the index could read; a file it
    could not read that names the new lead's company or e-mail refuses the add (it may
    be the same lead) until it is fixed, or --force adds it anyway."""
    with (beta.root / BETA).open("a") as fh:
        fh.write("\tnotes: x\n")
    beta.commit("a broken lead")
    named = "beta-ltd" if len(args) == 1 else "sara@beta.example"
    refused(beta, ["lead", "add", *args], 1,
            f"{BETA} names `{named}` but cannot be read as a record, so it may be the same "
            "record (see `salescli check`): fix it first; to add it anyway, use --force")
    assert beta.run("lead", "add", "Gamma Oy").exit_code == 0  # nothing it names
    assert beta.run("lead", "add", *args, "--force").exit_code == 0
