"""Custom fields declared in salescli.yaml (seed 000 §4.1 ICP fields)."""

from __future__ import annotations

import json

import pytest
from conftest import Repo
from conftest import refused

DECLARED = """
custom_fields:
  deal:
    competitor: {type: choice, choices: [SAP, Oracle]}
    seats: {type: number}
    budget: {type: money}
    renewal: {type: date}
    modules: {type: multi-choice, choices: [crm, erp, bi]}
  account:
    icp_fit: {type: bool}
    segment: {type: text}
  lead:
    employees: {type: number}
"""


@pytest.fixture
def custom(filled: Repo) -> Repo:
    settings = filled.root / "salescli.yaml"
    settings.write_text(settings.read_text() + DECLARED)
    filled.write("leads/2026-10/beta-ltd.yaml", """
        id: beta-ltd
        company: Beta Ltd
        created: 2026-10-01
        """)
    filled.commit()
    return filled


def _check(repo: Repo) -> tuple[int, list[str]]:
    r = repo.run("check")
    return r.exit_code, [ln for ln in r.stdout.splitlines() if ln]


def test_set_writes_typed_values_as_top_level_keys(custom: Repo):
    r = custom.run("deal", "set", "acme-erp", "competitor=SAP", "seats=12", "budget=5000.50",
                   "renewal=2027-03-01", "modules=crm,bi")
    assert r.exit_code == 0, r.output
    assert "competitor=SAP, seats=12, budget=5000.50, renewal=2027-03-01, modules=[crm, bi]" \
        in r.stdout
    text = (custom.root / "deals/2026-10/acme-erp.yaml").read_text()
    assert text.endswith("competitor: SAP\nseats: 12\nbudget: 5000.50\nrenewal: 2027-03-01\n"
                         "modules: [crm, bi]\n")
    assert custom.status() == ""
    assert _check(custom) == (0, [])
    assert custom.run("account", "set", "acme-oy", "icp_fit=yes", "segment=007").exit_code == 0
    assert (custom.root / "accounts/2026-10/acme-oy.yaml").read_text().endswith(
        "icp_fit: true\nsegment: '007'\n")
    assert custom.run("lead", "set", "beta-ltd", "employees=40").exit_code == 0
    assert "employees: 40\n" in (custom.root / "leads/2026-10/beta-ltd.yaml").read_text()
    assert _check(custom) == (0, [])


@pytest.mark.parametrize("empty", ["", "null", "~"])
def test_set_clears_a_custom_field_with_an_empty_value_or_null(custom: Repo, empty: str):
    """As a field of the record's own: `competitor=null` clears it."""
    assert custom.run("deal", "set", "acme-erp", "competitor=SAP", "notes=x").exit_code == 0
    r = custom.run("deal", "set", "acme-erp", f"competitor={empty}", f"notes={empty}")
    assert r.exit_code == 0, r.output
    text = (custom.root / "deals/2026-10/acme-erp.yaml").read_text()
    assert "competitor: SAP" not in text and "notes: x" not in text


@pytest.mark.parametrize("args,message", [
    (["deal", "set", "acme-erp", "competitor=Siebel"],
     "competitor: 'Siebel' is not one of: SAP, Oracle"),
    (["deal", "set", "acme-erp", "modules=crm,hr"], "modules: 'hr' is not one of: crm, erp, bi"),
    (["deal", "set", "acme-erp", "seats=many"], "seats: 'many' is not a number"),
    (["deal", "set", "acme-erp", "budget=10.555"],
     "budget: '10.555': expected an amount of money (0 or more, at most 2 decimals)"),
    (["account", "set", "acme-oy", "icp_fit=maybe"], "icp_fit: 'maybe' is not true or false"),
    (["deal", "set", "acme-erp", "competitor.name=SAP"],
     "`competitor` has no sub-fields; set it as competitor=VALUE"),
])
def test_set_refuses_a_bad_value_naming_what_is_allowed(custom: Repo, args: list[str],
                                                        message: str):
    refused(custom, args, 2, message)


def test_an_undeclared_field_is_still_refused_with_a_did_you_mean(custom: Repo):
    r = custom.run("deal", "set", "acme-erp", "compettor=SAP")
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: a deal has no field `compettor` (did you mean "
                               "`competitor`?)")
    assert r.stderr.rstrip().endswith("competitor, seats, budget, renewal, modules")
    # without the declaration there is no such field
    refused(custom, ["account", "set", "acme-oy", "competitor=SAP"], 2,
            "an account has no field `competitor`; fields: name, business_id, vat_number, "
            "address, billing_address, visiting_address, language, domain, industry, region, "
            "size, parent, owner, created, tags, notes, external_ids, icp_fit, "
            "segment")


def test_check_validates_hand_edits_and_knows_declared_keys(custom: Repo):
    deal = custom.root / "deals/2026-10/acme-erp.yaml"
    deal.write_text(deal.read_text() + "competitor: Siebel\nseats: many\nrenewal: soon\n"
                    "modules: crm\ncompettor: SAP\n")
    account = custom.root / "accounts/2026-10/acme-oy.yaml"
    account.write_text(account.read_text() + "icp_fit: yes\nsegment: smb\n")
    code, lines = _check(custom)
    assert code == 1
    assert lines == [
        "accounts/2026-10/acme-oy.yaml:14:10: error: `icp_fit`: expected true or false, "
        "not 'yes' [custom-field]",
        "deals/2026-10/acme-erp.yaml:15:13: error: `competitor`: expected one of: SAP, Oracle, "
        "not 'Siebel' [custom-field]",
        "deals/2026-10/acme-erp.yaml:16:8: error: `seats`: expected a number, not 'many' "
        "[custom-field]",
        "deals/2026-10/acme-erp.yaml:17:10: error: `renewal`: expected a date YYYY-MM-DD, "
        "not 'soon' [custom-field]",
        "deals/2026-10/acme-erp.yaml:18:10: error: `modules`: expected a list of choices, e.g. "
        "[A, B]; choose from: crm, erp, bi, not 'crm' [custom-field]",
        "deals/2026-10/acme-erp.yaml:19:1: warning: unknown key `compettor`; did you mean "
        "`competitor`? [unknown-key]",
    ]


def test_an_undeclared_key_stays_a_warning(filled: Repo):
    deal = filled.root / "deals/2026-10/acme-erp.yaml"
    deal.write_text(deal.read_text() + "competitor: SAP\n")
    assert _check(filled) == (0, ["deals/2026-10/acme-erp.yaml:15:1: warning: unknown key "
                                  "`competitor` [unknown-key]"])


def test_check_refuses_a_bad_declaration(filled: Repo):
    settings = filled.root / "salescli.yaml"
    settings.write_text(settings.read_text() + "custom_fields:\n  deal:\n"
                        "    value: {type: number}\n    pick: {type: choice}\n"
                        "    when: {type: time}\n")
    code, lines = _check(filled)
    assert code == 1
    assert any("custom_fields.deal.pick: a `choice` field needs `choices: [...]`" in ln
               for ln in lines)
    assert any("custom_fields.deal.when.type: should be 'text', 'number'" in ln for ln in lines)
    settings.write_text(settings.read_text().split("custom_fields:")[0]
                        + "custom_fields:\n  deal:\n    value: {type: number}\n")
    assert _check(filled) == (1, [
        "salescli.yaml:34:5: error: custom field `value` of deal is already a deal field; "
        "choose another name [custom-field-clash]"])


def test_show_json_carries_custom_fields(custom: Repo):
    assert custom.run("deal", "set", "acme-erp", "competitor=Oracle").exit_code == 0
    shown = json.loads(custom.run("deal", "show", "acme-erp", "--format", "json").stdout)
    assert shown["competitor"] == "Oracle"


def test_show_prints_the_custom_fields_a_record_holds(custom: Repo):
    assert custom.run("deal", "set", "acme-erp", "seats=12", "competitor=SAP",
                      "modules=crm,bi").exit_code == 0
    assert custom.run("account", "set", "acme-oy", "icp_fit=yes").exit_code == 0
    assert custom.run("lead", "set", "beta-ltd", "employees=40").exit_code == 0
    # in the order the settings declare them, after the record's own fields
    lines = custom.run("deal", "show", "acme-erp").stdout.split("\n\n")[0].splitlines()
    assert lines[-3:] == ["competitor  SAP", "seats       12", "modules     crm, bi"], lines
    assert "\nicp_fit      true\n" in custom.run("account", "show", "acme-oy").stdout
    assert "employees  40" in custom.run("lead", "show", "beta-ltd").stdout


def test_schema_carries_the_repositorys_custom_fields_and_write_commits_them(custom: Repo):
    r = custom.run("schema", "deal")
    assert r.exit_code == 0, r.output
    props = json.loads(r.stdout)["properties"]
    assert props["competitor"] == {"anyOf": [{"enum": ["SAP", "Oracle"]}, {"type": "null"}]}
    assert props["modules"]["anyOf"][0] == {"type": "array",
                                            "items": {"enum": ["crm", "erp", "bi"]}}
    assert "competitor" not in json.loads(custom.run("schema", "account").stdout)["properties"]
    written = custom.root / "schemas/deal.schema.json"
    assert "competitor" not in written.read_text()  # as init wrote it
    r = custom.run("schema", "--write")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Wrote schemas/*.schema.json [")
    assert json.loads(written.read_text())["properties"]["seats"] == {
        "anyOf": [{"type": "number"}, {"type": "null"}]}
    assert custom.status() == ""
    assert "repo(schemas): custom fields in the JSON Schemas" in custom.git("log", "-1")
    head = custom.head()
    assert custom.run("schema", "--write").stdout == "Schemas already current (nothing to commit)\n"
    assert custom.head() == head
    refused(custom, ["schema", "deal", "--write"], 2,
            "--write writes every kind's schema; give no KIND")


def test_listings_filter_on_custom_fields_and_show_them_as_columns(custom: Repo):
    custom.write("deals/2026-10/acme-crm.yaml", """
        id: acme-crm
        title: CRM
        account: acme-oy
        stage: needs-analysis
        value: 100
        close_date: 2027-02-01
        created: 2026-10-01
        competitor: Oracle
        seats: 12
        modules: [crm, bi]
        renewal: 2027-06-30
        """)
    custom.commit()
    assert custom.run("deal", "set", "acme-erp", "competitor=SAP", "modules=erp").exit_code == 0

    def ids(*args: str) -> list[str]:
        r = custom.run("deal", "list", "--format", "json", *args)
        assert r.exit_code == 0, r.output
        return [d["id"] for d in json.loads(r.stdout)]

    assert ids("--field", "competitor=SAP") == ["acme-erp"]
    assert ids("--field", "competitor=Oracle", "--field", "seats=12") == ["acme-crm"]
    assert ids("--field", "modules=bi") == ["acme-crm"]
    assert ids("--field", "renewal=2027-06-30") == ["acme-crm"]
    assert ids("--field", "seats=") == ["acme-erp"]
    assert ids("--field", "seats=13") == []
    r = custom.run("deal", "list", "--columns", "id,competitor,modules,value", "--format", "csv")
    assert r.stdout.splitlines() == ["id,competitor,modules,value", "acme-erp,SAP,erp,48000.00",
                                     "acme-crm,Oracle,\"crm, bi\",100.00"]
    assert custom.run("account", "set", "acme-oy", "icp_fit=true").exit_code == 0
    r = custom.run("account", "list", "--field", "icp_fit=yes", "--columns", "id,icp_fit",
                   "--format", "csv")
    assert r.stdout.splitlines() == ["id,icp_fit", "acme-oy,true"]
    r = custom.run("account", "list", "--field", "icp_fit=no", "--format", "csv")
    assert r.stdout.splitlines() == ["id,name,business_id,domain,industry,owner,contacts"]
    assert custom.run("lead", "set", "beta-ltd", "employees=40").exit_code == 0
    r = custom.run("lead", "list", "--field", "employees=40", "--columns", "company,employees",
                   "--format", "csv")
    assert r.stdout.splitlines() == ["company,employees", "Beta Ltd,40"]


@pytest.mark.parametrize("args,message", [
    (["deal", "list", "--field", "compettor=SAP"],
     "--field: no deal custom field `compettor` (did you mean `competitor`?); custom fields: "
     "competitor, seats, budget, renewal, modules"),
    (["deal", "list", "--field", "competitor=Siebel"],
     "--field competitor: 'Siebel' is not one of: SAP, Oracle"),
    (["deal", "list", "--field", "competitor"], "--field: expected NAME=VALUE, got 'competitor'"),
    (["lead", "list", "--columns", "id,employes"],
     "--columns: no column `employes` (did you mean `employees`?); see `salescli lead list "
     "--help` and the leads table in docs/export.md"),
    (["account", "list", "--columns", ","],
     "--columns: name at least one column, e.g. --columns id,title"),
])
def test_listing_options_refuse_unknown_names(custom: Repo, args: list[str], message: str):
    refused(custom, args, 2, message)


def test_changing_the_declaration_gives_no_stale_answer(custom: Repo):
    assert custom.run("deal", "set", "acme-erp", "seats=12").exit_code == 0
    assert custom.run("deal", "list", "--field", "seats=12", "--format", "csv"
                      ).stdout.count("acme-erp") == 1
    custom.edit("salescli.yaml", "seats: {type: number}", "seats: {type: text}")
    r = custom.run("deal", "list", "--field", "seats=12", "--format", "csv")
    assert r.exit_code == 0 and "acme-erp" not in r.stdout  # 12 is a number, not the text
    assert custom.run("deal", "list", "--columns", "id,seats", "--format", "csv"
                      ).stdout.splitlines()[1] == "acme-erp,12"


def test_export_writes_the_custom_fields_table(custom: Repo, tmp_path):
    import sqlite3

    assert custom.run("deal", "set", "acme-erp", "competitor=SAP", "modules=crm,bi",
                      "budget=1500.5").exit_code == 0
    assert custom.run("account", "set", "acme-oy", "icp_fit=false").exit_code == 0
    r = custom.run("export", "--format", "csv", "--out", str(tmp_path / "csv"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "csv/custom_fields.csv").read_text().splitlines() == [
        "record_kind,record_id,name,type,value", "account,acme-oy,icp_fit,bool,false",
        "deal,acme-erp,competitor,choice,SAP", "deal,acme-erp,budget,money,1500.50",
        "deal,acme-erp,modules,multi-choice,\"crm, bi\""]
    assert custom.run("export", "--format", "sqlite", "--out", str(tmp_path / "x.db")
                      ).exit_code == 0
    con = sqlite3.connect(tmp_path / "x.db")
    assert con.execute("select value from custom_fields where name = 'competitor'"
                       ).fetchall() == [("SAP",)]
    exported = con.execute("select * from custom_fields").fetchall()
    con.close()
    # `sql` has the same table, as its help says, current with the files
    r = custom.run("sql", "SELECT * FROM custom_fields", "--format", "json")
    assert r.exit_code == 0, r.output
    assert [tuple(row.values()) for row in json.loads(r.stdout)] == exported
    assert "CREATE TABLE \"custom_fields\"" in custom.run("sql").stdout


def test_templates_see_custom_fields_empty_when_unset(custom: Repo):
    custom.write("templates/brief.md.j2",
                 "{{ deal.title }}: {{ deal.competitor or 'no competitor' }}, "
                 "{{ account.icp_fit }}\n")
    custom.write("templates/lead.md.j2", "{{ lead.company }} {{ lead.employees }}\n")
    custom.commit()
    r = custom.run("render", "brief", "acme-erp")
    assert (r.exit_code, r.stdout) == (0, "Order-processing automation: no competitor, None\n")
    assert custom.run("deal", "set", "acme-erp", "competitor=Oracle").exit_code == 0
    assert custom.run("account", "set", "acme-oy", "icp_fit=yes").exit_code == 0
    assert custom.run("render", "brief", "acme-erp").stdout == \
        "Order-processing automation: Oracle, True\n"
    assert custom.run("lead", "set", "beta-ltd", "employees=40").exit_code == 0
    assert custom.run("render", "lead", "beta-ltd").stdout == "Beta Ltd 40\n"


def test_check_staged_knows_the_staged_declarations(custom: Repo):
    deal = custom.root / "deals/2026-10/acme-erp.yaml"
    deal.write_text(deal.read_text() + "competitor: Siebel\n")
    custom.git("add", "deals/2026-10/acme-erp.yaml")
    r = custom.run("check", "--staged")
    assert r.exit_code == 1
    assert r.stdout == ("deals/2026-10/acme-erp.yaml:15:13: error: `competitor`: expected one "
                        "of: SAP, Oracle, not 'Siebel' [custom-field]\n")
