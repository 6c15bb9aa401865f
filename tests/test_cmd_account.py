"""`salescli account ...` and `salescli contact ...`, end to end in real repositories."""

from __future__ import annotations

import textwrap

import pytest
from conftest import Repo
from conftest import bad_id
from conftest import not_an_email
from conftest import not_found
from conftest import probable_duplicate
from conftest import refused

from salescli.core import model
from salescli.core.dates import HELP as DATE_HELP
from salescli.core.roles import ROLES

ACME = "accounts/2026-10/acme-oy.yaml"


def last_commit(repo: Repo) -> str:
    return repo.git("log", "-1", "--format=%s%n%n%b").strip()


def changed(repo: Repo) -> list[str]:
    return repo.git("show", "--name-status", "--format=", "HEAD").split()


def read(repo: Repo, rel: str) -> str:
    return (repo.root / rel).read_text(encoding="utf-8")


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_role_choices_are_the_models():
    from salescli.cli.account import contact_add
    from salescli.cli.deal import deal_stakeholder

    for command in (contact_add, deal_stakeholder):
        role = next(p for p in command.params if p.name == "role")
        assert tuple(role.type.choices) == ROLES
    assert model.ROLES is ROLES


# ------------------------------------------------------------------ account add


def test_account_add_with_everything(filled: Repo):
    result = filled.run("account", "add", "Äänekoski Oy", "--business-id", "7654321-0",
                        "--domain", "aanekoski.fi", "--industry", "wholesale",
                        "--region", "Keski-Suomi", "--size", "50-249", "--parent", "acme-oy",
                        "--tag", "wholesale", "--tag", "key-account", "--date", "2026-11-05")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Added account aanekoski-oy [{filled.head()[:7]}]\n"
    assert read(filled, "accounts/2026-11/aanekoski-oy.yaml") == dedent("""
        id: aanekoski-oy
        name: Äänekoski Oy
        business_id: 7654321-0
        domain: aanekoski.fi
        industry: wholesale
        region: Keski-Suomi
        size: 50-249
        parent: acme-oy
        owner: anna
        created: 2026-11-05
        tags: [wholesale, key-account]
        """)
    assert last_commit(filled) == "account(aanekoski-oy): add\n\nSalescli-Event: add"
    assert changed(filled) == ["A", "accounts/2026-11/aanekoski-oy.yaml"]
    assert filled.git("log", "-1", "--format=%aI").strip() == "2026-11-05T12:00:00+00:00"
    assert filled.status() == ""
    assert filled.run("check").exit_code == 0


def test_account_add_minimal_with_id_owner_message(filled: Repo):
    result = filled.run("account", "add", "Beta", "--id", "beta-ltd", "--owner", "anna",
                        "--date", "2026-12-01", "-m", "Met at the fair")
    assert result.exit_code == 0, result.output
    assert read(filled, "accounts/2026-12/beta-ltd.yaml") == dedent("""
        id: beta-ltd
        name: Beta
        owner: anna
        created: 2026-12-01
        """)
    assert last_commit(filled) == ("account(beta-ltd): add\n\nMet at the fair\n\n"
                                   "Salescli-Event: add")


def test_account_add_no_commit_leaves_the_file_in_the_work_tree(filled: Repo):
    head = filled.head()
    result = filled.run("account", "add", "Beta Ltd", "--date", "2026-12-01", "--no-commit")
    assert result.exit_code == 0
    assert result.stdout == "Added account beta-ltd (not committed)\n"
    assert filled.head() == head
    assert filled.status() == "?? accounts/2026-12/\n"


def test_account_add_force_adds_a_probable_duplicate(filled: Repo):
    result = filled.run("account", "add", "Acme Oy", "--domain", "acme.fi", "--force",
                        "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert "Added account acme-oy-2" in result.stdout
    assert (filled.root / "accounts/2026-12/acme-oy-2.yaml").is_file()


@pytest.mark.parametrize("args,code,message", [
    (["Acme Group", "--business-id", "12345 67-8"], 1,
     probable_duplicate("business id", "12345 67-8", "account acme-oy")),
    (["Acme Group", "--domain", "https://www.ACME.fi/en"], 1,
     probable_duplicate("domain", "https://www.ACME.fi/en", "account acme-oy")),
    (["ACME  oy"], 1, probable_duplicate("name", "ACME  oy", "account acme-oy")),
    (["Beta", "--parent", "nope"], 1, not_found("account", "nope")),
    (["Beta", "--parent", "../x"], 2, bad_id("account", "../x")),
    (["Beta", "--id", "Beta Ltd"], 2, bad_id("account", "Beta Ltd")),
    (["Beta", "--id", "acme-oy"], 1, "account 'acme-oy' already exists; choose another --id"),
    (["Beta", "--owner", "bob"], 2,
     "unknown owner 'bob'; choose one of: anna (settings in salescli.yaml)"),
    (["Beta", "--date", "2026-13-01"], 2,
     f'invalid --date "2026-13-01": use {DATE_HELP}'),
])
def test_account_add_refusals(filled: Repo, args: list[str], code: int, message: str):
    refused(filled, ["account", "add", *args], code, message)


def test_duplicates_are_looked_up_as_the_files_are_now(filled: Repo):
    """The refusals ask the record index's keys: a hand edit, a new file and a removed
    one count at once, committed or not, as they count in `check`."""
    acme = filled.root / "accounts/2026-10/acme-oy.yaml"
    text = acme.read_text()

    def duplicate(*args: str) -> str | None:
        r = filled.run(*args, "--no-commit")
        assert r.exit_code in (0, 1), r.output
        if r.exit_code == 0:  # added: taken away again, so the next probe is alone
            filled.git("clean", "-qfd", "accounts", "leads")
            return None
        return r.stderr

    assert "same domain" in duplicate("account", "add", "Other", "--domain", "acme.fi")
    acme.write_text(text.replace("domain: acme.fi", "domain: acme.com"))
    assert duplicate("account", "add", "Other", "--domain", "acme.fi") is None
    assert "same domain" in duplicate("account", "add", "Other", "--domain", "acme.com")
    # a contact's e-mail and phone, for a lead; changed by hand, the old one is free
    assert "same e-mail `Matti.Virtanen@acme.fi` as contact matti-virtanen of account " \
        "acme-oy" in duplicate("lead", "add", "Other", "--email", "Matti.Virtanen@acme.fi")
    acme.write_text(text.replace("matti.virtanen@", "matti@"))
    assert duplicate("lead", "add", "Other", "--email", "matti.virtanen@acme.fi") is None
    assert "same phone `040 1234567` as contact matti-virtanen" in duplicate(
        "lead", "add", "Other", "--phone", "040 1234567")
    # another file with the name; then none at all
    filled.write("accounts/2026-11/acme-group.yaml", "id: acme-group\nname: Acme Group\n")
    assert "same name `ACME group` as account acme-group" in duplicate(
        "account", "add", "ACME group")
    acme.unlink()
    assert duplicate("account", "add", "Acme Oy") is None


# ------------------------------------------------------------------ account set

COMMENTED = """\
# Acme: our first customer, met at Alihankinta 2026
id: acme-oy
name: Acme Oy        # legal name, as in the trade register
business_id: 1234567-8
domain: acme.fi
industry: wholesale  # TOL 46
owner: anna
created: 2026-10-01
tags: [wholesale]
contacts:
    -   id: matti-virtanen
        name: Matti Virtanen   # CFO since 2024
        email: matti.virtanen@acme.fi
        role: economic-buyer
# nothing logged yet
activities: []
notes: |
  Prefers e-mail.
"""


@pytest.fixture
def commented(filled: Repo) -> Repo:
    filled.write(ACME, COMMENTED)
    filled.commit("hand-written account")
    return filled


def test_account_set_golden_round_trip(commented: Repo):
    result = commented.run("account", "set", "acme-oy", "industry=retail")
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"Updated account acme-oy: industry=retail "
                             f"[{commented.head()[:7]}]\n")
    # the comment keeps its column: the one changed line is all that differs
    assert read(commented, ACME) == COMMENTED.replace("industry: wholesale  # TOL 46",
                                                       "industry: retail     # TOL 46")
    assert commented.git("diff", "--stat", "HEAD~1", "HEAD").splitlines()[-1] == (
        " 1 file changed, 1 insertion(+), 1 deletion(-)")
    assert last_commit(commented) == ("account(acme-oy): set industry=retail\n\n"
                                      "Salescli-Event: set")


def test_account_set_new_fields_go_in_the_documented_order(commented: Repo):
    result = commented.run("account", "set", "acme-oy", "region=Satakunta", "tags=a, b,c",
                           "size=10-49", "business_id=")
    assert result.exit_code == 0, result.output
    assert "region=Satakunta, tags=[a, b, c], size=10-49, business_id=" in result.stdout
    assert read(commented, ACME) == (
        COMMENTED.replace("business_id: 1234567-8\n", "business_id:\n")
        .replace("industry: wholesale  # TOL 46\n",
                 "industry: wholesale  # TOL 46\nregion: Satakunta\nsize: 10-49\n")
        .replace("tags: [wholesale]", "tags: [a, b, c]"))
    assert commented.run("check").exit_code == 0


def test_account_set_parent(filled: Repo):
    filled.run("account", "add", "Acme Group", "--id", "acme-group", "--date", "2026-10-01")
    result = filled.run("account", "set", "acme-oy", "parent=acme-group")
    assert result.exit_code == 0, result.output
    assert "parent: acme-group\n" in read(filled, ACME)


@pytest.mark.parametrize("args,code,message", [
    (["id=acme"], 2, "`id` is not set directly: it is the file name"),
    (["contacts=x"], 2,
     "`contacts` is not set directly: use `salescli contact add` or `salescli contact set`"),
    (["activities.0.summary=x"], 2, "`activities` is not set directly: use `salescli log`"),
    (["industy=retail"], 2,
     "an account has no field `industy` (did you mean `industry`?); fields: name, "
     "business_id, vat_number, address, billing_address, visiting_address, language, domain, "
     "industry, region, size, parent, owner, created, tags, "
     "notes, external_ids"),
    (["domain.x=1"], 2, "`domain` has no sub-fields; set it as domain=VALUE"),
    (["industry"], 2, "expected FIELD=VALUE, got 'industry'"),
    (["owner=bob"], 2, "unknown owner 'bob'; choose one of: anna (settings in salescli.yaml)"),
    (["parent=acme-oy"], 1, "cannot make acme-oy the parent of acme-oy: the hierarchy would "
                            "have a cycle: acme-oy -> acme-oy"),
    (["parent=nope"], 1, not_found("account", "nope")),
    (["name="], 2, "cannot clear `name`: an account must have one"),
])
def test_account_set_refusals(filled: Repo, args: list[str], code: int, message: str):
    refused(filled, ["account", "set", "acme-oy", *args], code, message)


def test_account_set_refuses_a_parent_cycle(filled: Repo):
    filled.run("account", "add", "Acme Group", "--id", "acme-group", "--parent", "acme-oy",
               "--date", "2026-10-01")
    refused(filled, ["account", "set", "acme-oy", "parent=acme-group"], 1,
            "cannot make acme-group the parent of acme-oy: the hierarchy would have a cycle: "
            "acme-oy -> acme-group -> acme-oy")


def test_account_add_with_an_address(filled: Repo):
    r = filled.run("account", "add", "Pori Steel Oy", "--address", "Satamakatu 3, 28100 Pori",
                   "--date", "2026-11-01")
    assert r.exit_code == 0, r.output
    assert "\naddress: Satamakatu 3, 28100 Pori\n" in read(filled,
                                                          "accounts/2026-11/pori-steel-oy.yaml")


def test_account_add_takes_its_address_on_one_line(filled: Repo):
    refused(filled, ["account", "add", "Pori Steel Oy", "--address", "Satamakatu 3\nPori"], 2,
            "--address is one line: the value given has a line break (give its parts with "
            "`account set ID address.street=... address.city=...`)")


def test_account_addresses_in_parts_or_one_line(filled: Repo):
    r = filled.run("account", "set", "acme-oy", "billing_address.street=Hämeenkatu 5",
                   "billing_address.postcode=03100", "billing_address.city=Tampere",
                   "address=Torikatu 1, Oulu", "vat_number=FI12345678")
    assert r.exit_code == 0, r.stderr
    text = read(filled, ACME)
    assert "billing_address: {street: Hämeenkatu 5, postcode: '03100', city: Tampere}" in text
    assert "address: Torikatu 1, Oulu\n" in text
    shown = filled.run("account", "show", "acme-oy").stdout
    assert "\nbilling_address  Hämeenkatu 5, 03100 Tampere\n" in shown
    assert "\naddress          Torikatu 1, Oulu\n" in shown
    # a part of a one-line address would drop the rest of the line
    refused(filled, ["account", "set", "acme-oy", "address.city=Oulu"], 2,
            "`address` is one line ('Torikatu 1, Oulu'): set it whole (address=\"...\"), or "
            "clear it first (address=null), then set its parts")
    refused(filled, ["account", "set", "acme-oy", "billing_address.town=X"], 2,
            "`billing_address` has no field `town`; fields: street, postcode, city, country")
    assert filled.run("account", "set", "acme-oy", "language=sv").exit_code == 0
    refused(filled, ["account", "set", "acme-oy", "language=de"], 2,
            "language: should be 'en', 'fi' or 'sv'; nothing was changed")


def test_account_set_unknown_account(filled: Repo):
    refused(filled, ["account", "set", "nope", "industry=x"], 1, not_found("account", "nope"))


def test_account_edit(filled: Repo, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EDITOR", "sed -i 's/^domain: acme.fi/domain: acme.com/'")
    monkeypatch.delenv("VISUAL", raising=False)
    result = filled.run("account", "edit", "acme-oy")
    assert result.exit_code == 0, result.output
    assert "domain: acme.com\n" in read(filled, ACME)
    assert last_commit(filled) == "account(acme-oy): edit\n\nSalescli-Event: edit"
    assert result.stderr == ""


def test_account_edit_says_a_key_typed_wrong(filled: Repo, monkeypatch: pytest.MonkeyPatch):
    # saved as written (a warning, as `check` says), but no longer in silence
    monkeypatch.setenv("EDITOR", "sed -i 's/^domain: acme.fi/domian: acme.com/'")
    monkeypatch.delenv("VISUAL", raising=False)
    result = filled.run("account", "edit", "acme-oy")
    assert result.exit_code == 0, result.output
    line = read(filled, ACME).splitlines().index("domian: acme.com") + 1
    assert result.stderr == (f"note: {ACME}:{line}: unknown key `domian`; did you mean "
                             "`domain`?\n"), result.stderr


@pytest.mark.parametrize("edit,message", [
    # matti-virtanen, a stakeholder of acme-erp, taken out of the contacts
    ("text.split('contacts:')[0]",
     "contact `matti-virtanen` is a stakeholder of deal acme-erp; remove them there first "
     "(salescli deal stakeholder acme-erp matti-virtanen --remove)"),
    # acme-oy under its own child
    ("text + 'parent: acme-child\\n'",
     "the account hierarchy would have a cycle: acme-oy -> acme-child -> acme-oy"),
])
def test_account_edit_is_held_to_what_the_other_records_name(
        filled: Repo, tmp_path, monkeypatch: pytest.MonkeyPatch, edit: str, message: str):
    import sys

    filled.write("accounts/2026-10/acme-child.yaml",
                 "id: acme-child\nname: Acme Child\nparent: acme-oy\ncreated: 2026-10-02\n")
    filled.commit()
    seen = tmp_path / "seen.txt"
    script = tmp_path / "editor.py"  # the edit, then what the editor is shown: empty it
    script.write_text(textwrap.dedent(f"""
        import pathlib, sys
        p = pathlib.Path(sys.argv[1]); text = p.read_text()
        seen = pathlib.Path({str(seen)!r})
        if seen.exists() or text.startswith("# salescli: "):
            seen.write_text(text); p.write_text("")
        else:
            seen.touch(); p.write_text({edit})
        """))
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    before = filled.head()
    result = filled.run("account", "edit", "acme-oy")
    assert result.exit_code == 1 and filled.head() == before and filled.status() == ""
    assert message in seen.read_text(), seen.read_text()


def test_clearing_a_field_the_record_does_not_have_changes_nothing(filled: Repo):
    head = filled.head()
    for args in (("account", "set", "acme-oy", "region="),
                 ("account", "set", "acme-oy", "region=", "size="),
                 ("contact", "set", "acme-oy", "matti-virtanen", "linkedin=")):
        r = filled.run(*args)
        assert r.exit_code == 0, r.output
        assert r.stdout.endswith("(no change: nothing to commit)\n"), r.stdout
    assert filled.head() == head and filled.status() == ""
    # one there is cleared, with the absent one left out
    r = filled.run("account", "set", "acme-oy", "domain=", "region=")
    assert r.exit_code == 0, r.output
    assert filled.git("show", "--format=", "--unified=0", "HEAD").splitlines()[-2:] == [
        "-domain: acme.fi", "+domain:"]

def test_contact_set_takes_more_e_mails_and_phones_as_a_list(filled: Repo):
    r = filled.run("contact", "set", "acme-oy", "matti-virtanen",
                   "emails=matti@home.example, m.v@acme.fi", "phones=")
    assert r.exit_code == 0, r.output
    text = read(filled, ACME)
    assert "    emails: [matti@home.example, m.v@acme.fi]\n" in text
    # a list as YAML writes it: the texts as written, never read as numbers
    r = filled.run("contact", "set", "acme-oy", "matti-virtanen",
                   "phones=[0401234567, +358 40 765 4321]")
    assert r.exit_code == 0, r.output
    assert "    phones: ['0401234567', +358 40 765 4321]\n" in read(filled, ACME)
    refused(filled, ["account", "set", "acme-oy", "contacts="], 2,
            "`contacts` is not set directly: use `salescli contact add` or `salescli "
            "contact set`")
    assert filled.run("check").exit_code == 0


# ------------------------------------------------------------------ contact add


def test_contact_add_appends_a_block_mapping_below_the_list_comment(commented: Repo):
    result = commented.run("contact", "add", "acme-oy", "Liisa Koski", "--title", "CTO",
                           "--email", "liisa@acme.fi", "--phone", "+358 50 555 0101",
                           "--linkedin", "https://www.linkedin.com/in/liisa",
                           "--role", "technical-evaluator", "--influence", "medium",
                           "--reports-to", "matti-virtanen")
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"Account acme-oy: added contact liisa-koski "
                             f"[{commented.head()[:7]}]\n")
    assert read(commented, ACME) == COMMENTED.replace("# nothing logged yet\n", """\
    -   id: liisa-koski
        name: Liisa Koski
        title: CTO
        email: liisa@acme.fi
        phone: +358 50 555 0101
        linkedin: https://www.linkedin.com/in/liisa
        role: technical-evaluator
        influence: medium
        reports_to: matti-virtanen
# nothing logged yet
""")
    assert last_commit(commented) == ("account(acme-oy): add contact liisa-koski\n\n"
                                      "Salescli-Event: contact")
    assert changed(commented) == ["M", ACME]
    assert commented.run("check").exit_code == 0


def test_contact_add_refuses_a_person_the_account_has(filled: Repo):
    # the same name (the only one of it), or e-mail: `matti-virtanen-2` was made silently
    message = ("probable duplicate: {} is contact matti-virtanen (Matti Virtanen) of account "
               "acme-oy, by e-mail, phone or name; to add it anyway, use --force")
    refused(filled, ["contact", "add", "acme-oy", "Matti Virtanen"], 1,
            message.format("Matti Virtanen"))
    email = next(line.split(": ", 1)[1] for line in read(filled, ACME).splitlines()
                 if line.strip().startswith("email:"))
    refused(filled, ["contact", "add", "acme-oy", "M. Virtanen", "--email", email.upper()], 1,
            message.format("M. Virtanen"))
    # another e-mail is another person: a namesake, or a shared switchboard phone
    phone = next(line.split(": ", 1)[1] for line in read(filled, ACME).splitlines()
                 if line.strip().startswith("phone:"))
    for name, extra in (("Matti Virtanen", []), ("Pekka Jokinen", ["--phone", phone])):
        r = filled.run("contact", "add", "acme-oy", name, "--email",
                       f"{name.split()[0].lower()}@other.example", *extra)
        assert r.exit_code == 0, r.output
    # two of the name now: a third with nothing of their own is one of them, or unsaid
    refused(filled, ["contact", "add", "acme-oy", "matti virtanen"], 1,
            "probable duplicate: matti virtanen is the name of contacts matti-virtanen, "
            "matti-virtanen-2 of account acme-oy; a new namesake needs an --email or --phone; "
            "to add it anyway, use --force")


def test_contact_add_makes_the_id_unique_within_the_account(filled: Repo):
    result = filled.run("contact", "add", "acme-oy", "Matti Virtanen", "--force")
    assert result.exit_code == 0, result.output
    assert "added contact matti-virtanen-2" in result.stdout
    assert read(filled, ACME).endswith(
        "    influence: high\n  - id: matti-virtanen-2\n    name: Matti Virtanen\n")


@pytest.mark.parametrize("contacts", ["", "contacts: []\n"])
def test_contact_add_to_an_account_without_contacts(repo: Repo, contacts: str):
    repo.write("accounts/2026-10/beta.yaml",
               f"id: beta\nname: Beta\n{contacts}activities: []\n")
    repo.commit()
    result = repo.run("contact", "add", "beta", "Sara Beta", "--id", "sara")
    assert result.exit_code == 0, result.output
    assert read(repo, "accounts/2026-10/beta.yaml") == dedent("""
        id: beta
        name: Beta
        contacts:
          - id: sara
            name: Sara Beta
        activities: []
        """)


@pytest.mark.parametrize("args,code,message", [
    (["acme-oy", "Matti", "--id", "matti-virtanen"], 1,
     "account acme-oy already has a contact `matti-virtanen`; choose another --id"),
    (["acme-oy", "Liisa", "--reports-to", "liisa-k"], 1,
     "cannot add Liisa: --reports-to `liisa-k` is not a contact of account acme-oy"),
    (["acme-oy", "Liisa", "--reports-to", "Liisa K"], 2, bad_id("contact", "Liisa K")),
    (["acme-oy", "Liisa", "--id", "-x"], 2, bad_id("contact", "-x")),
    (["nope", "Liisa"], 1, not_found("account", "nope")),
    (["acme-oy", "Liisa", "--email", "liisa at acme.fi"], 2,
     not_an_email("--email", "liisa at acme.fi")),
    # the account first: its contact's faults are the next thing to fix
    (["nope", "Liisa", "--email", "x"], 1, not_found("account", "nope")),
])
def test_contact_add_refusals(filled: Repo, args: list[str], code: int, message: str):
    refused(filled, ["contact", "add", *args], code, message)


def test_contact_add_refuses_an_unknown_role(filled: Repo):
    before, head = filled.snapshot(), filled.head()
    result = filled.run("contact", "add", "acme-oy", "Liisa", "--role", "boss")
    assert result.exit_code == 2
    assert "Invalid value for '--role': 'boss' is not one of 'economic-buyer'" in result.stderr
    assert filled.snapshot() == before and filled.head() == head


# ------------------------------------------------------------------ contact set


def test_contact_set(commented: Repo):
    commented.run("contact", "add", "acme-oy", "Liisa Koski", "--id", "liisa")
    result = commented.run("contact", "set", "acme-oy", "matti-virtanen", "title=CFO",
                           "influence=high", "name=Matti J. Virtanen")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Account acme-oy: contact matti-virtanen: title=CFO, influence=high, "
        f"name=Matti J. Virtanen [{commented.head()[:7]}]\n")
    text = read(commented, ACME)
    assert text.startswith(COMMENTED.split("contacts:")[0])
    assert """\
    -   id: matti-virtanen
        name: Matti J. Virtanen # CFO since 2024
        title: CFO
        email: matti.virtanen@acme.fi
        role: economic-buyer
        influence: high
    -   id: liisa
""" in text
    assert last_commit(commented) == (
        "account(acme-oy): contact matti-virtanen: set title=CFO, influence=high, "
        "name=Matti J. Virtanen\n\nSalescli-Event: contact")
    result = commented.run("contact", "set", "acme-oy", "liisa", "reports_to=matti-virtanen")
    assert result.exit_code == 0, result.output
    assert "        reports_to: matti-virtanen\n# nothing logged yet\n" in read(commented, ACME)
    assert commented.run("check").exit_code == 0


@pytest.mark.parametrize("args,code,message", [
    (["matti-virtanen", "id=matti"], 2,
     "`id` is not set directly: it is how deals and other contacts refer to the contact"),
    (["matti-virtanen", "emial=x@y"], 2,
     "a contact has no field `emial` (did you mean `email`?); fields: name, title, email, "
     "phone, emails, phones, linkedin, role, influence, reports_to, notes, external_ids"),
    (["nobody", "title=CEO"], 1,
     "no contact `nobody` in account acme-oy; see `salescli account show acme-oy`"),
    *((["matti-virtanen", f"reports_to={boss}"], 1, f"cannot set reports_to of "
       f"matti-virtanen: `{boss}` is not another contact of account acme-oy")
      for boss in ("matti-virtanen", "liisa")),  # themselves, or no contact of the account
    (["matti-virtanen", "influence=huge"], 2,
     "influence: should be 'high', 'medium' or 'low'; nothing was changed"),
    (["Matti", "title=CEO"], 2, bad_id("contact", "Matti")),
    (["matti-virtanen", "email=matti(at)acme.fi"], 2, not_an_email("email", "matti(at)acme.fi")),
    (["matti-virtanen", "emails=matti@acme.fi,mailto:m@acme.fi"], 2,
     not_an_email("emails", "mailto:m@acme.fi")),
    # punctuation pasted along with an address
    *[(["matti-virtanen", f"email={pasted}"], 2, not_an_email("email", pasted))
      for pasted in ("(matti@acme.fi)", '"matti@acme.fi"', "[matti@acme.fi]",
                     "matti@acme.fi?subject=Hi", "matti@acme.fi/", "matti@acme.fi\\",
                     "matti@acme_oy.fi")],
])
def test_contact_set_refusals(filled: Repo, args: list[str], code: int, message: str):
    refused(filled, ["contact", "set", "acme-oy", *args], code, message)


def test_set_keeps_text_fields_text(filled: Repo):
    # YAML would read these as numbers; the fields hold text
    result = filled.run("contact", "set", "acme-oy", "matti-virtanen", "phone=0401234567",
                        "title=2024")
    assert result.exit_code == 0, result.output
    text = read(filled, ACME)
    assert "    title: '2024'\n" in text
    assert '    phone: "0401234567"\n' in text  # the quotes it had are kept
    result = filled.run("account", "set", "acme-oy", "business_id=12345678", "tags=")
    assert result.exit_code == 0, result.output
    assert "business_id: '12345678'\n" in read(filled, ACME)
    assert "tags: []\n" in read(filled, ACME)
    assert filled.run("check").exit_code == 0


def test_an_account_that_cannot_be_read_but_may_be_the_same_stops_an_add(filled: Repo):
    """An account file the index could not read that names the new account's domain
    (or business ID, or name) refuses the add: it may be the same account."""
    path = "accounts/2026-10/acme-oy.yaml"
    (filled.root / path).write_text((filled.root / path).read_text() + "\tnotes: x\n")
    filled.commit("a broken account")
    before = filled.state()
    r = filled.run("account", "add", "Acme Group", "--domain", "https://www.ACME.fi/en")
    assert r.exit_code == 1
    assert r.stderr == (
        f"Error: {path} names `acme.fi` but cannot be read as a record, so it may be the "
        "same record (see `salescli check`): fix it first; to add it anyway, use --force\n")
    assert filled.state() == before
    assert filled.run("account", "add", "Other Group", "--domain", "other.fi").exit_code == 0
