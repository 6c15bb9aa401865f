"""`salescli agenda`: the six VALKEA phases, in English and Finnish, from the repository."""

from __future__ import annotations

import json
import re

import pytest
from conftest import Repo

from salescli.core.dates import HELP as DATE_HELP

NBSP = "\xa0"


@pytest.fixture
def crm(repo: Repo) -> Repo:
    repo.edit("salescli.yaml", "locale: en_US", "locale: fi_FI")
    repo.edit("salescli.yaml", "company:\n  name: null", "company:\n  name: Hubble Oy")
    repo.write("products.yaml", """
        currency: EUR
        products:
          - {sku: silma-pro, name: Silma.io Pro, unit: month, unit_price: 300.00,
             tax_rate: 25.5, billing: monthly, tiers: [{min: 10, unit_price: 270.00}]}
        """)
    repo.write("accounts/2026-10/acme-oy.yaml", """
        id: acme-oy
        name: Acme Oy
        business_id: 1234567-8
        industry: wholesale
        region: Satakunta
        size: 50-249
        created: 2026-10-01
        contacts:
          - {id: matti-v, name: Matti Virtanen, title: CFO, role: economic-buyer, influence: high}
          - {id: liisa-k, name: Liisa Koski, title: IT lead, role: technical-evaluator,
             influence: medium, reports_to: matti-v}
          - {id: pekka-p, name: Pekka P}
        activities:
          - {date: 2026-10-05, type: call, summary: Intro call, outcome: Meeting booked}
        notes: Family-owned, values long partnerships.
        """)
    repo.write("deals/2026-10/acme-erp.yaml", """
        id: acme-erp
        title: Order-processing automation
        account: acme-oy
        stage: proposal
        close_date: 2027-01-31
        owner: anna
        created: 2026-10-01
        stakeholders:
          - {contact: matti-v}
          - {contact: liisa-k}
        next_step: {action: Send revised quote, due: 2026-11-18}
        items:
          - {product: silma-pro, quantity: 12, discount: 10}
          - {name: Integration work, quantity: 40, unit: h, unit_price: 120.00, tax_rate: 25.5}
        quotes:
          - {number: Q-2026-0003, version: 2, date: 2026-11-02, total: 39792.00, currency: EUR,
             file: quotes/acme-erp/Q-2026-0003-v2.md}
        checklist:
          proposal: [Commercial proposal sent]
        activities:
          - date: 2026-10-12
            type: meeting
            summary: First meeting
            status: held
            evaluation: {went_well: Clear agenda, improve: Ask about budget earlier}
          - {date: 2026-11-02, type: email, summary: Quote sent}
        notes: Orders are typed in by hand from e-mail
        """)
    repo.write("deals/2026-10/acme-old.yaml", """
        id: acme-old
        title: Warehouse scanners
        account: acme-oy
        stage: proposal
        status: lost
        lost_reason: price
        lost_date: 2026-10-20
        created: 2026-10-02
        """)
    repo.write("deals/2026-10/fresh.yaml", """
        id: fresh
        title: AI pilot
        account: acme-oy
        stage: needs-analysis
        close_date: 2027-03-31
        value: 12000
        created: 2026-10-03
        """)
    repo.commit()
    return repo


def phases(text: str) -> dict[int, str]:
    """The agenda's sections by phase number, and 0 for what comes before them."""
    parts = re.split(r"^## (\d)\. .*$", text, flags=re.M)
    out = {0: parts[0]}
    for number, body in zip(parts[1::2], parts[2::2], strict=True):
        out[int(number)] = body.strip()
    return out


def agenda(repo: Repo, *args: str) -> dict[int, str]:
    before, files = repo.head(), repo.snapshot()
    r = repo.run("agenda", *args)
    assert r.exit_code == 0, r.output
    assert (repo.head(), repo.snapshot(), repo.status()) == (before, files, "")
    return phases(r.stdout)


def test_every_phase_in_english_from_the_repository(crm: Repo):
    p = agenda(crm, "acme-erp", "--lang", "en", "--date", "2026-11-20")
    assert sorted(p) == [0, 1, 2, 3, 4, 5, 6]
    # English words; dates as English in Finland (en_FI), money as fi_FI
    assert p[0].startswith("# Meeting agenda: Order-processing automation — Acme Oy\n\n"
                           "20 Nov 2026 · VALKEA · stage: Proposal\n")
    prep = p[1]
    assert "**Goal of the meeting:** Present the proposed solution and check that it meets " \
        "the need and the decision criteria." in prep
    # the stage's checklist, less what is ticked
    assert "- [ ] Solution and scope agreed with the customer\n" in prep
    assert "Commercial proposal sent" not in prep
    assert ("**Account:** Acme Oy · business ID 1234567-8 · wholesale · Satakunta · "
            "50-249 employees") in prep
    assert "> Family-owned, values long partnerships." in prep
    assert "| Matti Virtanen | CFO | economic-buyer | high |  |" in prep
    assert "| Liisa Koski | IT lead | technical-evaluator | medium | Matti Virtanen |" in prep
    assert "Others at Acme Oy: Pekka P" in prep
    assert ("- 5 Oct 2026 call: Intro call — Meeting booked\n- 12 Oct 2026 meeting: First meeting\n"
            "- 2 Nov 2026 email: Quote sent") in prep
    assert "**Open next step:** Send revised quote (due 18 Nov 2026, overdue)" in prep

    opening = p[2]
    assert "1. Yourself (Anna Tester)" in opening  # anna runs it: her name from git
    assert "2. Your company (Hubble Oy)" in opening
    assert "3. The offering: Silma.io Pro, Integration work." in opening
    assert "processes" not in opening

    listen = p[3]
    assert ("- [x] **Need**: Order-processing automation: Orders are typed in by hand from "
            "e-mail. Confirm it in their words.") in listen
    assert f"- [x] **Resources**: budget indication 39{NBSP}792,00{NBSP}€;" in listen
    assert ("- [x] **Buying process**: Decision maker: Matti Virtanen, CFO (economic-buyer, high "
            "influence). Expected close 31 Jan 2027.") in listen
    assert "- [x] **Earlier experiences**: Warehouse scanners (lost, price); AI pilot (open). " \
        in listen
    for topic in ("Goal", "Decision criteria", "Values and attitudes"):
        assert f"- [ ] **{topic}**: ask" in listen

    position = p[4]
    assert (f"| Silma.io Pro | 12 month | 270,00{NBSP}€ | 10{NBSP}% | monthly | "
            f"2{NBSP}916,00{NBSP}€ |") in position
    assert (f"| Integration work | 40 h | 120,00{NBSP}€ |  | one-time | "
            f"4{NBSP}800,00{NBSP}€ |") in position
    assert (f"Latest quote: Q-2026-0003 v2 of 2 Nov 2026, 39{NBSP}792,00{NBSP}€ excluding VAT "
            "(quotes/acme-erp/Q-2026-0003-v2.md).") in position

    progress = p[5]
    assert "Nothing is missing for **Negotiation**: `salescli deal advance acme-erp`." \
        in progress
    assert "Then, in Negotiation: Objections and open terms listed; Final price and " \
        "conditions agreed." in progress

    evaluation = p[6]
    assert "- What went well?\n- What to improve next time?" in evaluation
    assert ("Last time (12 Oct 2026): went well: Clear agenda; to improve: Ask about budget "
            "earlier.") in evaluation
    assert ('salescli log meeting acme-erp "Meeting" --date 2026-11-20 --status held \\\n'
            '    --went-well "..." --improve "..."') in evaluation


def test_the_agenda_of_a_booked_meeting_says_how_to_mark_it_held(crm: Repo):
    # its evaluation goes on the booked meeting (a second meeting logged as held counted
    # it twice); the command names the deal as a pasted command must (`deal:` if shared)
    r = crm.run("log", "meeting", "acme-erp", "Workshop", "--status", "booked", "--date",
                "2026-11-20")
    assert r.exit_code == 0, r.output
    n = len(json.loads(crm.run("deal", "show", "acme-erp", "--format", "json").stdout)[
        "activities"])
    evaluation = agenda(crm, "acme-erp", "--date", "2026-11-20", "--lang", "en")[6]
    assert (f'salescli meeting held acme-erp {n} --outcome "..." --went-well "..." \\\n'
            '    --improve "..."') in evaluation, evaluation


def test_the_agenda_of_a_meeting_booked_at_a_time_says_when(crm: Repo):
    r = crm.run("log", "meeting", "acme-erp", "Workshop", "--status", "booked", "--date",
                "2026-11-20T13:30")
    assert r.exit_code == 0, r.output
    out = crm.run("agenda", "acme-erp", "--date", "2026-11-20", "--lang", "en", "--out", "-")
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[2] == "20 Nov 2026 13:30 · VALKEA · stage: Proposal"


def test_the_agenda_at_a_time_is_of_the_meeting_then(crm: Repo):
    for args in (["meeting", "Workshop", "--date", "2026-11-20T15:00"],
                 ["demo", "Demo", "--date", "2026-11-20T09:00"]):
        r = crm.run("log", args[0], "acme-erp", *args[1:], "--status", "booked")
        assert r.exit_code == 0, r.output

    def header(when: str) -> str:
        out = crm.run("agenda", "acme-erp", "--date", when, "--lang", "en", "--out", "-")
        assert out.exit_code == 0, out.output
        return out.stdout.splitlines()[2]

    assert header("2026-11-20T15:00") == "20 Nov 2026 15:00 · VALKEA · stage: Proposal"
    assert header("2026-11-20") == "20 Nov 2026 09:00 · VALKEA · stage: Proposal"
    assert header("2026-11-20T11:00") == "20 Nov 2026 11:00 · VALKEA · stage: Proposal"


def test_a_meeting_held_that_morning_was_before_one_at_six():
    import datetime as dt
    from types import SimpleNamespace

    from salescli.core.agenda import held_meetings

    day = dt.date(2026, 11, 20)
    held = SimpleNamespace(type="meeting", status="held", date=day, time="09:30")
    assert held_meetings([held], day, "18:00") == [held]
    assert held_meetings([held], day, "08:00") == held_meetings([held], day) == []


def test_every_phase_in_finnish_from_the_repository(crm: Repo):
    p = agenda(crm, "acme-erp", "--date", "2026-11-20")  # fi from the settings' locale
    assert p[0].startswith("# Tapaamisen agenda: Order-processing automation — Acme Oy\n\n"
                           "20.11.2026 · VALKEA · vaihe: Tarjous\n")  # the preset's fi name
    assert "**Tapaamisen tavoite:** Esittää ratkaisuehdotus" in p[1]
    assert "- [ ] Ratkaisu ja laajuus sovittu asiakkaan kanssa" in p[1]
    assert "**Asiakas:** Acme Oy · Y-tunnus 1234567-8 · wholesale · Satakunta · 50-249 henkeä" \
        in p[1]
    assert "| Matti Virtanen | CFO | budjetista päättävä | suuri |  |" in p[1]
    assert "| Liisa Koski | IT lead | tekninen arvioija | kohtalainen | Matti Virtanen |" in p[1]
    assert "- 5.10.2026 puhelu: Intro call — Meeting booked" in p[1]
    assert "**Avoin seuraava askel:** Send revised quote (määräpäivä 18.11.2026, myöhässä)" \
        in p[1]
    assert "1. Itsesi (Anna Tester)" in p[2] and "2. Yrityksesi (Hubble Oy)" in p[2]
    assert "3. Tarjoomasi: Silma.io Pro, Integration work." in p[2]
    assert "- [x] **Tarve**: Order-processing automation: Orders are typed in by hand" in p[3]
    assert f"- [x] **Resurssit**: budjettiarvio 39{NBSP}792,00{NBSP}€;" in p[3]
    assert ("- [x] **Ostoprosessi**: Päättäjä: Matti Virtanen, CFO (budjetista päättävä, "
            "vaikutusvalta suuri). Arvioitu päätös 31.1.2027.") in p[3]
    assert "- [x] **Aiemmat kokemukset**: Warehouse scanners (menetetty, price)" in p[3]
    for topic in ("Tavoite", "Päätöksentekokriteerit", "Arvot ja asenteet"):
        assert f"- [ ] **{topic}**: kysy" in p[3]
    assert (f"| Silma.io Pro | 12 month | 270,00{NBSP}€ | 10{NBSP}% | kuukausittain | "
            f"2{NBSP}916,00{NBSP}€ |") in p[4]
    assert "Viimeisin tarjous: Q-2026-0003 v2, 2.11.2026" in p[4]
    assert "Vaiheen **Neuvottelu** edellytykset täyttyvät: `salescli deal advance acme-erp`." \
        in p[5]
    assert "- Mikä meni hyvin?\n- Mitä kehitettävää ensi kertaan?" in p[6]
    assert "Edellisellä kerralla (12.10.2026): hyvin meni: Clear agenda; kehitettävää: Ask " \
        "about budget earlier." in p[6]
    assert 'salescli log meeting acme-erp "Tapaaminen" --date 2026-11-20 --status held' in p[6]


@pytest.mark.parametrize("lang,opening,goal", [
    ("en", "3. The customer's own processes, before any product: ask how Acme Oy works today,",
     "**Goal of the meeting:** Get to know the customer's business and processes"),
    ("fi", "3. Asiakkaan omat prosessit ennen tuotteita: pyydä kertomaan, miten Acme Oy toimii",
     "**Tapaamisen tavoite:** Tutustua asiakkaan liiketoimintaan ja prosesseihin"),
])
def test_a_first_meeting_opens_with_the_customers_processes(crm: Repo, lang: str,
                                                           opening: str, goal: str):
    # `fresh` has had no meeting, and the account's only activity is a call
    p = agenda(crm, "fresh", "--lang", lang, "--date", "2026-11-20")
    assert opening in p[2] and goal in p[1]
    assert ("first meeting" if lang == "en" else "ensimmäinen tapaaminen") in p[0]
    # a meeting held before the date makes it a follow-up; the flag decides in the end
    assert opening not in agenda(crm, "acme-erp", "--lang", lang, "--date", "2026-11-20")[2]
    assert opening in agenda(crm, "acme-erp", "--lang", lang, "--first-meeting")[2]
    assert opening not in agenda(crm, "fresh", "--lang", lang, "--follow-up")[2]
    assert opening in agenda(crm, "acme-erp", "--lang", lang, "--date", "2026-10-12")[2]


def test_progress_lists_what_the_next_stage_still_requires(crm: Repo):
    en = agenda(crm, "fresh", "--lang", "en", "--date", "2026-11-20")[5]
    assert ("Before **Proposal**, still missing:\n"
            "- [ ] a stakeholder who decides (economic buyer or decision-maker)\n"
            "- [ ] the items to offer\n") in en
    fi = agenda(crm, "fresh", "--lang", "fi", "--date", "2026-11-20")[5]
    assert ("Ennen vaihetta **Tarjous** puuttuu vielä:\n"
            "- [ ] päättäjä sidosryhmänä (budjetista päättävä tai päätöksentekijä)\n"
            "- [ ] tarjottavat tuotteet ja palvelut\n") in fi
    # what it lacks is also what `deal advance` refuses with
    r = crm.run("deal", "advance", "fresh")
    assert r.exit_code == 1 and "decision-maker" in r.stderr and "`items`" in r.stderr
    # without items and activities the other phases say so
    p = agenda(crm, "fresh", "--lang", "en", "--date", "2026-11-20")
    assert "No items yet: present the direction of the solution" in p[4]
    assert "No quote yet." in p[4]
    assert "**Open next step:** none agreed" in p[1]


def test_out_writes_the_file_and_commits_nothing(crm: Repo, tmp_path):
    out = tmp_path / "agenda.md"
    before = crm.head()
    r = crm.run("agenda", "acme-erp", "--lang", "en", "--out", str(out))
    assert r.exit_code == 0 and r.stdout == f"Agenda for acme-erp written to {out}\n"
    assert out.read_text().startswith("# Meeting agenda: Order-processing automation")
    assert crm.head() == before and crm.status() == ""


def test_refusals(crm: Repo):
    r = crm.run("agenda", "nope")
    assert r.exit_code == 1 and r.stderr.startswith("Error: no deal 'nope' in deals/")
    r = crm.run("agenda", "acme-erp", "--lang", "de")
    assert r.exit_code == 2
    r = crm.run("agenda", "acme-erp", "--date", "20.11.2026")
    assert r.exit_code == 2 and r.stderr == f'Error: invalid --date "20.11.2026": use {DATE_HELP}\n'


def test_the_opening_names_people_and_the_offering_once(crm: Repo):
    """The owner by name when they run it (else their ID); each product once; the
    first-meeting line from the settings' company.offering, never a fixed phrase."""
    deal = "deals/2026-10/acme-erp.yaml"
    crm.edit(deal, "owner: anna", "owner: ville")
    crm.edit(deal, "  - {name: Integration work,", "  - {product: silma-pro, quantity: 2}\n"
             "  - {name: Integration work,")
    crm.edit("salescli.yaml", "  offering: null", "  offering: order automation")
    crm.commit()
    for lang, me, offer in (("en", "1. Yourself (ville):", "3. The offering: Silma.io Pro, "
                             "Integration work.\n"),
                            ("fi", "1. Itsesi (ville):", "3. Tarjoomasi: Silma.io Pro, "
                             "Integration work.\n")):
        opening = agenda(crm, "acme-erp", "--lang", lang, "--date", "2026-11-20")[2] + "\n"
        assert me in opening and offer in opening, opening
    first = agenda(crm, "fresh", "--lang", "en", "--date", "2026-11-20")[2]
    assert "look for the need where order automation would help them." in first
    assert "software and AI" not in first
    fi = agenda(crm, "fresh", "--lang", "fi", "--date", "2026-11-20")[2]
    assert "etsi tarve, jossa tarjoomastasi (order automation) on hyötyä." in fi


def test_the_last_stage_speaks_of_winning(crm: Repo):
    crm.edit("deals/2026-10/fresh.yaml", "stage: needs-analysis", "stage: contracting")
    crm.commit()
    fi = agenda(crm, "fresh", "--lang", "fi", "--date", "2026-11-20")[5]
    assert "Kaupan voittamisen edellytykset täyttyvät: `salescli deal win fresh`." in fi
    assert "voitettu" not in fi


def test_the_opening_names_only_the_owner_by_their_own_git_name(
        crm: Repo, monkeypatch: pytest.MonkeyPatch):
    """Someone else running the agenda for the sole owner's deal sees the owner's ID,
    not their own name (the name git commits with: GIT_AUTHOR_NAME, as the tests set)."""
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Bob Builder")
    assert "1. Yourself (anna):" in agenda(crm, "acme-erp", "--lang", "en",
                                           "--date", "2026-11-20")[2]
