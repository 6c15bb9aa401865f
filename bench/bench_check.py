"""Benchmark `salescli check` on a large generated pipeline repository (SPEC §9).

Run it from the project root with the development interpreter:

    python bench/bench_check.py [--deals N] [--runs R] [--rebuild]

The first run builds a repository with N deals (default 10000) plus about N/4
accounts and N/4 leads under bench/.data/check-N/ (git-ignored) and re-uses it on
later runs; --rebuild builds it again. The repository is created with
`salescli init`, the record files are written directly (they are deterministic: a
fixed random seed) and committed once. Every record is valid, so the run measures
the normal path of `check`.

The script then verifies that `salescli -C DIR check` exits 0, times it R times as
a fresh process each (cold interpreter, warm OS file cache) and prints the median,
min and max with the ratio of the median to the SPEC budget. `salescli --help` is
timed the same way (10 runs). The figures are measurements to compare against the
budgets, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from salescli.core.ids import slugify, unique_id
from salescli.core.money import cents, written

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"
SEED = 20260101
GENERATOR_VERSION = 1  # bump when the generated data changes, to force a rebuild
CHECK_BUDGET_S = 2.5  # SPEC §9: `check` on 10 000 deals
HELP_BUDGET_S = 0.150  # SPEC §9: `salescli --help`
ADVANCE_BUDGET_S = 0.300  # SPEC §9: a mutating command end to end, commit included
HELP_RUNS = 10

START = dt.date(2025, 1, 1)
END = dt.date(2026, 11, 30)  # the last `created:` date of the generated data
OWNERS = ["anna", "ville"]
SOURCES = ["website", "referral", "linkedin", "event", "outbound", "partner", "inbound"]
LOST_REASONS = ["price", "budget", "timing", "no-need", "competitor", "no-response",
                "requirements", "other"]
DISQUALIFY_REASONS = ["not-icp", "no-need", "unreachable", "budget-or-tech"]
# the `default` pipeline (pipeline/default.yaml), with how common each open stage is
STAGES = ["needs-analysis", "proposal", "negotiation", "contracting"]
STAGE_WEIGHTS = [35, 30, 20, 15]
CHECKLISTS = {
    "needs-analysis": ["Goals and constraints known", "Budget and selection criteria known",
                       "Decision makers and buying process known"],
    "proposal": ["Solution and scope agreed with the customer", "Commercial proposal sent"],
    "negotiation": ["Objections and open terms listed", "Final price and conditions agreed"],
    "contracting": ["Contract sent for signature",
                    "Contract signed and invoice details received"],
}

NAME_HEADS = [
    "Nordic", "Baltic", "Arctic", "Boreal", "Aurora", "Polar", "Lake", "Harbour", "Pine",
    "Granite", "Birch", "Northern", "Coastal", "Bright", "Silver", "Blue", "Green", "Iron",
    "Cedar", "Summit", "Keski", "Itä", "Länsi", "Etelä", "Pohjois", "Saimaa", "Kaleva",
    "Tapio", "Ilmari", "Väinö", "Helmi", "Kivi", "Metsä", "Vesi", "Tuuli", "Valo", "Sisu",
    "Oulu", "Tampere", "Turku", "Espoo", "Vaasa", "Kuopio", "Lahti", "Pori", "Joensuu",
    "Hämeen", "Savon", "Karjalan", "Lapin",
]
NAME_TAILS = [
    "Logistics", "Machinery", "Foods", "Systems", "Analytics", "Engineering", "Timber",
    "Energy", "Clinics", "Retail", "Software", "Metals", "Packaging", "Marine", "Transport",
    "Dental", "Robotics", "Media", "Consulting", "Automation", "Plastics", "Textiles",
    "Bakery", "Brewery", "Properties", "Electric", "Optics", "Pharma", "Labs", "Design",
    "Works", "Tech", "Farms", "Print", "Security", "Health", "Water", "Glass", "Steel",
    "Pumps",
]
LEGAL_FORMS = ["Oy", "Oy", "Oy", "Oyj", "Ab", "AB", "AS", "Ltd", "GmbH"]
INDUSTRIES = ["manufacturing", "logistics", "retail", "healthcare", "software", "energy",
              "construction", "food", "professional-services", "public-sector"]
REGIONS = ["Uusimaa", "Pirkanmaa", "Varsinais-Suomi", "Pohjois-Pohjanmaa", "Keski-Suomi",
           "Stockholm", "Tallinn", "Oslo"]
SIZES = ["1-9", "10-49", "50-249", "250-999", "1000+"]
TAGS = ["key-account", "partner-led", "public", "nordics", "expansion", "pilot", "renewal"]
FIRST_NAMES = [
    "Matti", "Anna", "Juha", "Laura", "Mikko", "Sanna", "Timo", "Kaisa", "Jari", "Elina",
    "Pekka", "Heidi", "Antti", "Minna", "Ville", "Riikka", "Janne", "Tiina", "Jukka", "Satu",
    "Markus", "Johanna", "Teemu", "Noora", "Sami", "Päivi", "Lars", "Ingrid", "Erik", "Sofia",
    "Olli", "Aino", "Eero", "Venla", "Henrik", "Maria",
]
LAST_NAMES = [
    "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
    "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen",
    "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen",
    "Tuominen", "Rantanen", "Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lindqvist",
    "Andersson", "Nyström", "Berg", "Holm", "Ström",
]
BUYER_ROLES = ["economic-buyer", "decision-maker"]
OTHER_ROLES = ["technical-evaluator", "champion", "end-user", "approver", "influencer",
               "other"]
TITLES = {
    "economic-buyer": ["CEO", "CFO", "Managing Director", "COO"],
    "decision-maker": ["Head of Operations", "IT Director", "VP Sales", "Plant Manager"],
    "technical-evaluator": ["Solution Architect", "IT Manager", "Lead Engineer"],
    "champion": ["Operations Manager", "Development Manager", "Product Owner"],
    "end-user": ["Planner", "Customer Service Lead", "Warehouse Supervisor"],
    "approver": ["Procurement Manager", "Legal Counsel"],
    "influencer": ["Controller", "Quality Manager"],
    "other": ["Office Manager", "Assistant"],
}
DEAL_TOPICS = [
    "Order-processing automation", "Warehouse automation pilot", "ERP integration",
    "Annual support renewal", "Field service app", "Reporting dashboard",
    "Customer portal", "Data platform migration", "Invoice automation", "Licence expansion",
    "Production monitoring", "Quality tracking system", "Integration platform",
    "Mobile sales tool", "Security audit", "Training programme", "Cloud migration",
    "Maintenance planning", "Route optimisation", "Inventory forecasting",
]
ITEMS = [  # (name, unit, unit price range, billing)
    ("Platform licence", "month", (150, 900), "monthly"),
    ("User seats", "seat", (20, 90), "monthly"),
    ("Implementation", "day", (900, 1400), "one-time"),
    ("Integration work", "hour", (95, 150), "one-time"),
    ("Training workshop", "day", (1200, 2200), "one-time"),
    ("Premium support", "year", (2400, 12000), "annually"),
    ("Hardware kit", "pcs", (300, 2500), "one-time"),
    ("Data migration", "project", (3000, 15000), "one-time"),
]
ACTIVITY_SUMMARIES = {
    "call": ["Intro call", "Discovery call about current process", "Follow-up call",
             "Called about budget timing", "Pricing questions by phone",
             "Reference call arranged"],
    "email": ["Sent case study", "Sent proposal draft", "Answered security questionnaire",
              "Sent meeting notes", "Shared pricing options", "Followed up on open questions"],
    "meeting": ["Kick-off meeting at their office", "Demo for the operations team",
                "Workshop on requirements", "Steering group presentation",
                "Site visit", "Negotiation meeting"],
}
NEXT_STEPS = ["Send revised proposal", "Book demo with IT", "Confirm budget owner",
              "Agree contract terms", "Schedule steering group", "Follow up on signature",
              "Share reference customer", "Prepare pilot plan"]
LOST_NOTES = ["Chose a cheaper local vendor", "Project postponed to next year",
              "Budget moved to another initiative", "Went with their ERP vendor's module",
              "Stopped answering after the demo"]
DEAL_NOTES = ["Strong champion in operations.\nCFO wants a payback under 12 months.",
              "Competing against an in-house build.",
              "Pilot first, full rollout after the summer.",
              "Procurement needs three quotes.\nDecision in the board meeting."]
COMMENTS = ["# imported from the old CRM", "# key account: review every quarter",
            "# met at the Slush side event", "# partner referral, keep partner informed",
            "# renewal handled by customer success"]

_PLAIN_RE = re.compile(r"^[^\W\d_][\w .,'&()/+-]*[\w.)]$")  # starts with a letter
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}


def q(text: str) -> str:
    """`text` as a YAML scalar: plain when that is unambiguous, else double-quoted."""
    if _PLAIN_RE.match(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def unique(base: str, taken: set[str]) -> str:
    candidate = unique_id(base, taken)
    taken.add(candidate)
    return candidate


def month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


@dataclass
class Contact:
    id: str
    name: str
    role: str
    title: str
    email: str
    phone: str


@dataclass
class Account:
    id: str
    name: str
    owner: str
    created: dt.date
    contacts: list[Contact]
    deals: list[str] = field(default_factory=list)


class Generator:
    """Writes one deterministic data set; the numbering keeps every e-mail, phone,
    business ID and domain unique, so check finds no probable duplicates."""

    def __init__(self, root: Path, deals: int, seed: int = SEED):
        self.root = root
        self.n_deals = deals
        self.rng = random.Random(seed)
        self.serial = 0  # phones and business IDs: a permutation of 7-digit numbers
        self.quote_seq: dict[int, int] = {}
        self.domains: set[str] = set()
        self.files = 0

    # -- small helpers
    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        if last <= first:
            return first
        return first + dt.timedelta(days=self.rng.randint(0, (last - first).days))

    def next_number(self) -> int:
        self.serial += 1
        return (self.serial * 7919 + 1_234_567) % 10_000_000  # unique below 10**7 serials

    def phone(self) -> str:
        n = self.next_number()
        prefix = self.rng.choice(["40", "44", "45", "50"])
        return f'"+358 {prefix} {n // 10_000:03d} {n % 10_000:04d}"'

    def business_id(self) -> str:
        while True:
            digits = f"{self.next_number():07d}"
            rest = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2),
                                                  strict=True)) % 11
            if rest != 1:  # the Finnish Y-tunnus check digit; remainder 1 is never issued
                return f"{digits}-{0 if rest == 0 else 11 - rest}"

    def domain(self, words: list[str], tld: str) -> str:
        return unique(slugify("".join(words)), self.domains) + tld

    def person(self) -> tuple[str, str]:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        return f"{first} {last}", slugify(f"{first}.{last}").replace("-", ".")

    def write(self, kind_dir: str, created: dt.date, record_id: str, lines: list[str]) -> None:
        folder = self.root / kind_dir / month(created)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{record_id}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.files += 1

    def activities(self, first: dt.date, last: dt.date, contacts: list[Contact],
                   count: int) -> list[str]:
        out = ["activities:"] if count else []
        for day in sorted(self.day_between(first, last) for _ in range(count)):
            kind = self.rng.choice(list(ACTIVITY_SUMMARIES))
            out += [f"  - date: {day}", f"    type: {kind}",
                    f"    summary: {q(self.rng.choice(ACTIVITY_SUMMARIES[kind]))}"]
            if contacts and self.rng.random() < 0.4:
                out.append(f"    with: [{self.rng.choice(contacts).id}]")
        return out

    # -- records
    def generate(self) -> dict[str, int]:
        accounts = self.accounts(max(1, self.n_deals // 4))
        self.deals(accounts)
        leads = self.leads(max(1, self.n_deals // 4), accounts)
        return {"accounts": len(accounts), "deals": self.n_deals, "leads": leads,
                "files": self.files}

    def accounts(self, count: int) -> list[Account]:
        rng = self.rng
        created = sorted(self.day_between(START, END) for _ in range(count))
        ids: set[str] = set()
        out: list[Account] = []
        for day in created:
            words = [rng.choice(NAME_HEADS), rng.choice(NAME_TAILS)]
            name = " ".join([*words, rng.choice(LEGAL_FORMS)])
            account_id = unique(slugify(name), ids)
            domain = self.domain(words, ".fi")
            owner = rng.choice(OWNERS)
            contacts: list[Contact] = []
            contact_ids: set[str] = set()
            lines = [rng.choice(COMMENTS)] if rng.random() < 0.15 else []
            lines += [f"id: {account_id}", f"name: {q(name)}",
                      f"business_id: {self.business_id()}", f"domain: {domain}",
                      f"industry: {rng.choice(INDUSTRIES)}", f"region: {rng.choice(REGIONS)}",
                      f"size: {q(rng.choice(SIZES))}"]
            if out and rng.random() < 0.03:  # a subsidiary of an older account: no cycles
                lines.append(f"parent: {rng.choice(out).id}")
            lines += [f"owner: {owner}", f"created: {day}"]
            if rng.random() < 0.4:
                lines.append(f"tags: [{', '.join(rng.sample(TAGS, rng.randint(1, 2)))}]")
            lines.append("contacts:")
            for c in range(rng.choices([1, 2, 3], weights=[3, 4, 3])[0]):
                full, local = self.person()
                contact_id = unique(slugify(full), contact_ids)
                # the first contact is the buyer, so proposal-stage deals have one
                role = rng.choice(BUYER_ROLES) if c == 0 else rng.choice(OTHER_ROLES)
                influence = "high" if c == 0 else rng.choice(["medium", "low", "high"])
                email = f"{local}{'' if contact_id == slugify(full) else contact_id[-1]}@{domain}"
                phone, title = self.phone(), rng.choice(TITLES[role])
                lines += [f"  - id: {contact_id}", f"    name: {q(full)}", f"    title: {q(title)}",
                          f"    email: {email}", f"    phone: {phone}",
                          f"    role: {role}", f"    influence: {influence}"]
                if c and rng.random() < 0.5:
                    lines.append(f"    reports_to: {contacts[0].id}")
                contacts.append(Contact(contact_id, full, role, title, email, phone))
            lines += self.activities(day, END, contacts, rng.randint(0, 2))
            if rng.random() < 0.2:
                lines += ["notes: |", f"  Customer since {month(day)}.",
                          "  Prefers e-mail over phone."]
            self.write("accounts", day, account_id, lines)
            out.append(Account(account_id, name, owner, day, contacts))
        return out

    def items(self) -> tuple[list[str], Decimal]:
        rng = self.rng
        lines, total = ["items:"], Decimal(0)
        for name, unit, (low, high), billing in rng.sample(ITEMS, rng.randint(1, 3)):
            quantity = rng.randint(1, 25) if unit in ("seat", "hour", "day", "pcs") else 1
            price = Decimal(rng.randint(low * 100, high * 100)) / 100
            discount = rng.choice([0, 0, 0, 5, 10, 15])
            lines += [f"  - name: {q(name)}", f"    quantity: {quantity}", f"    unit: {unit}",
                      f"    unit_price: {written(price)}"]
            if discount:
                lines.append(f"    discount: {discount}")
            cycles = 1
            if billing != "one-time":
                cycles = 12 if billing == "monthly" else 1
                lines += [f"    billing: {billing}", f"    cycles: {cycles}"]
            lines.append("    tax_rate: 25.5")
            total += quantity * price * (100 - discount) / 100 * cycles
        return lines, cents(total)

    def quote(self, deal_id: str, created: dt.date, last: dt.date, total: Decimal) -> str:
        day = self.day_between(created, last)
        seq = self.quote_seq[day.year] = self.quote_seq.get(day.year, 0) + 1
        number = f"Q-{day.year}-{seq:04d}"
        return (f"  - {{number: {number}, version: 1, date: {day}, total: {written(total)}, "
                f"currency: EUR, file: quotes/{deal_id}/{number}-v1.md}}")

    def deals(self, accounts: list[Account]) -> None:
        rng = self.rng
        account_days = [a.created for a in accounts]
        ids: set[str] = set()
        for created in sorted(self.day_between(START, END) for _ in range(self.n_deals)):
            # an account that already existed on the deal's day (older ones get more deals)
            top = max(1, bisect_right(account_days, created))
            account = accounts[rng.randrange(top)]
            created = max(created, account.created)
            topic = rng.choice(DEAL_TOPICS)
            deal_id = unique(f"{account.id}-{slugify(topic)}"[:60].rstrip("-"), ids)
            account.deals.append(deal_id)
            age = (END - created).days
            closed = rng.random() < (0.7 if age > 150 else 0.15)
            status = rng.choices(["won", "lost"], weights=[45, 55])[0] if closed else "open"
            if status == "won":
                stage = "contracting"
            elif status == "lost":
                stage = rng.choice(STAGES)
            else:
                stage = rng.choices(STAGES, weights=STAGE_WEIGHTS)[0]
            level = STAGES.index(stage)
            end_day = min(END, created + dt.timedelta(days=rng.randint(14, 150)))

            item_lines: list[str] = []
            if level >= 1 or rng.random() < 0.3:
                item_lines, value = self.items()
            else:
                value = Decimal(rng.randint(2, 120) * 1000)
            if status == "open":
                close_date = created + dt.timedelta(days=rng.randint(30, 240))
                if close_date < END:
                    close_date = END + dt.timedelta(days=rng.randint(7, 200))
            else:
                close_date = end_day
            buyer = account.contacts[0]
            stakeholders = [buyer] if level >= 1 or rng.random() < 0.6 else []
            stakeholders += [c for c in account.contacts[1:] if rng.random() < 0.5]

            lines = [rng.choice(COMMENTS)] if rng.random() < 0.1 else []
            lines += [f"id: {deal_id}", f"title: {q(topic)}", f"account: {account.id}",
                      "pipeline: default", f"stage: {stage}", f"status: {status}"]
            value_line = f"value: {written(value)}"
            if item_lines and rng.random() < 0.2:
                value_line += "   # total of the items below"
            lines += [value_line, "currency: EUR", f"close_date: {close_date}",
                      f"owner: {account.owner if rng.random() < 0.9 else rng.choice(OWNERS)}",
                      f"source: {rng.choice(SOURCES)}", f"created: {created}"]
            if stakeholders:
                lines.append("stakeholders:")
                lines += [f"  - {{contact: {c.id}, role: {c.role}}}" for c in stakeholders]
            if status == "open":
                due = END + dt.timedelta(days=rng.randint(1, 30))
                lines += ["next_step:", f"  action: {q(rng.choice(NEXT_STEPS))}",
                          f"  due: {due}"]
                if level >= 2:
                    lines.append(f"forecast: {'commit' if level == 3 else 'best-case'}")
            lines += item_lines
            if status == "won":
                lines.append(f"won_date: {end_day}")
            elif status == "lost":
                lines += [f"lost_date: {end_day}",
                          f"lost_reason: {rng.choice(LOST_REASONS)}"]
                if rng.random() < 0.4:
                    lines.append(f"lost_note: {q(rng.choice(LOST_NOTES))}")
                if rng.random() < 0.2:
                    lines.append(f"revisit: {end_day + dt.timedelta(days=180)}")
            if level >= 2:  # negotiation requires a quote; later stages keep theirs
                lines += ["quotes:", self.quote(deal_id, created, end_day, value)]
            if level >= 1 and rng.random() < 0.5:
                lines += ["checklist:", f"  {STAGES[level - 1]}:"]
                lines += [f"    - {q(t)}" for t in CHECKLISTS[STAGES[level - 1]]]
            lines += self.activities(created, end_day, stakeholders, rng.randint(1, 4))
            if rng.random() < 0.1:
                lines += ["notes: |", *("  " + ln for ln in rng.choice(DEAL_NOTES).split("\n"))]
            self.write("deals", created, deal_id, lines)

    def leads(self, count: int, accounts: list[Account]) -> int:
        rng = self.rng
        ids: set[str] = set()
        for _ in range(count):
            converted = rng.random() < 0.15
            lines: list[str]
            if converted:  # shares its contact with the account it became, on purpose
                account = rng.choice(accounts)
                created = max(START, account.created - dt.timedelta(days=rng.randint(0, 30)))
                company, contact = account.name, account.contacts[0]
                full, email, phone = contact.name, contact.email, contact.phone
                title = contact.title
                status = "qualified"
            else:
                created = self.day_between(START, END)
                words = [rng.choice(NAME_HEADS), rng.choice(NAME_TAILS)]
                company = " ".join([*words, rng.choice(LEGAL_FORMS)])
                full, local = self.person()
                email = f"{local}@{self.domain(words, '.com')}"
                phone = self.phone()
                title = rng.choice(TITLES[rng.choice(BUYER_ROLES + OTHER_ROLES)])
                status = rng.choices(["new", "contacted", "qualified", "disqualified"],
                                     weights=[30, 35, 15, 20])[0]
            lead_id = unique(slugify(company), ids)
            lines = [f"id: {lead_id}", f"company: {q(company)}", "contact:",
                     f"  name: {q(full)}", f"  email: {email}", f"  phone: {phone}",
                     f"  title: {q(title)}",
                     f"source: {rng.choice(SOURCES)}", f"status: {status}",
                     f"owner: {rng.choice(OWNERS)}", f"created: {created}"]
            if status == "disqualified":
                lines.append(f"disqualify_reason: {rng.choice(DISQUALIFY_REASONS)}")
            if converted:
                lines += ["converted:", f"  account: {account.id}"]
                if account.deals:
                    lines.append(f"  deal: {account.deals[0]}")
            if status != "new":
                lines += self.activities(created, min(END, created + dt.timedelta(days=60)),
                                         [], rng.randint(1, 2))
            if rng.random() < 0.1:
                lines.append("notes: Asked for a call back after the holidays  # from the form")
            self.write("leads", created, lead_id, lines)
        return count


# ---------------------------------------------------------------- the repository


def salescli_command() -> list[str]:
    """The salescli next to this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "salescli"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("salescli")
    if found is None:
        sys.exit("salescli is not installed: pip install -e . in the project first")
    return [found]


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_AUTHOR_NAME="salescli bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="salescli bench", GIT_COMMITTER_EMAIL="bench@example.com")
    return env


def run(cmd: list[str], cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=git_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}{proc.stdout}")


def build(root: Path, deals: int) -> dict:
    started = time.perf_counter()
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    # Its own git repository first: `salescli init` adopts an enclosing repository,
    # and this folder sits inside the project's (git-ignored) tree.
    run(["git", "init", "-q", "-b", "main", str(root)])
    run([*salescli_command(), "init", str(root)])
    settings = root / "salescli.yaml"
    text, n = re.subn(r"^owners: .*$", f"owners: [{', '.join(OWNERS)}]",
                      settings.read_text(encoding="utf-8"), count=1, flags=re.M)
    if n != 1:
        sys.exit(f"{settings}: no `owners:` line to set")
    settings.write_text(text, encoding="utf-8")
    generated = time.perf_counter()
    counts = Generator(root, deals).generate()
    generated = time.perf_counter() - generated
    committed = time.perf_counter()
    run(["git", "add", "-A"], cwd=root)
    run(["git", "commit", "-q", "-m", f"bench: {deals} generated deals"], cwd=root)
    committed = time.perf_counter() - committed
    return {**counts, "seed": SEED, "generator": GENERATOR_VERSION,
            "build_s": round(time.perf_counter() - started, 2),
            "generate_s": round(generated, 2), "commit_s": round(committed, 2)}


def ensure_data(deals: int, rebuild: bool) -> tuple[Path, dict, bool]:
    root = DATA_DIR / f"check-{deals}"
    meta_path = DATA_DIR / f"check-{deals}.json"
    if not rebuild and root.is_dir() and meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("generator") == GENERATOR_VERSION and meta.get("seed") == SEED:
            return root, meta, False
    print(f"building {root.relative_to(BENCH_DIR.parent)} ({deals} deals)...", flush=True)
    meta_path.unlink(missing_ok=True)  # written last: a half-built folder is rebuilt
    meta = build(root, deals)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return root, meta, True


# -------------------------------------------------------------------- timing


def time_runs(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} exited {proc.returncode} during timing")
    return times


def verify(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"{' '.join(cmd)} exited {proc.returncode}; not timing it.", file=sys.stderr)
        lines = proc.stdout.splitlines()
        shown = "\n".join(lines[:50]) + (f"\n... {len(lines) - 50} more" if len(lines) > 50
                                         else "")
        print(f"stderr:\n{proc.stderr}stdout:\n{shown}", file=sys.stderr)
        sys.exit(1)
    if proc.stdout.strip():  # warnings only: still the normal path, but say so
        lines = proc.stdout.splitlines()
        print(f"note: check passed with {proc.stderr.strip()}; first of them:")
        print("\n".join("  " + ln for ln in lines[:5]))


def time_advance(salescli: list[str], root: Path, runs: int) -> list[float]:
    """`deal advance` end to end (with its commit) on a clone of the data repository.

    Each timed advance (negotiation -> contracting) is undone by an untimed
    `deal move ... --reason`, so every run does the same work.
    """
    clone = root.parent / f"{root.name}-advance"
    if clone.exists():
        shutil.rmtree(clone)
    run(["git", "clone", "-q", "--local", str(root), str(clone)])
    deal = next(p.stem for p in sorted((clone / "deals").glob("*/*.yaml"))
                if "\nstage: negotiation\nstatus: open\n" in p.read_text())
    base = [*salescli, "-C", str(clone), "deal"]
    times = []
    env = git_env()
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run([*base, "advance", deal], env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            sys.exit(f"deal advance {deal} failed: {proc.stderr}")
        run([*base, "move", deal, "negotiation", "--reason", "bench"])
    shutil.rmtree(clone)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time `salescli check` on a generated repository and `salescli --help`, "
                    "against the SPEC §9 budgets.",
        epilog="Example: python bench/bench_check.py --deals 10000 --runs 5",
    )
    parser.add_argument("--deals", type=int, default=10_000, metavar="N",
                        help="deals to generate (plus N/4 accounts and N/4 leads); "
                             "default 10000")
    parser.add_argument("--runs", type=int, default=5, metavar="R",
                        help="timed runs of check, each a fresh process; default 5")
    parser.add_argument("--rebuild", action="store_true",
                        help="generate the repository again even if it is cached")
    args = parser.parse_args(argv)
    # an installed salescli has its bytecode compiled; measure that, not recompiling
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.deals < 1 or args.runs < 1:
        parser.error("--deals and --runs must be at least 1")

    root, meta, built = ensure_data(args.deals, args.rebuild)
    how = "built" if built else "cached, built"
    print(f"data: {root.relative_to(BENCH_DIR.parent)}: {meta['deals']} deals, "
          f"{meta['accounts']} accounts, {meta['leads']} leads ({how} in {meta['build_s']} s: "
          f"generate {meta['generate_s']} s, git commit {meta['commit_s']} s)")

    salescli = salescli_command()
    check = [*salescli, "-C", str(root), "check", "--no-cache"]  # cold: no cached answer
    verify(check)  # also the warm-up run: the OS file cache is warm for every timed run
    rows = [
        (f"salescli check ({meta['deals']} deals)", time_runs(check, args.runs),
         CHECK_BUDGET_S),
        ("salescli --help", time_runs([*salescli, "--help"], HELP_RUNS), HELP_BUDGET_S),
        ("salescli deal advance", time_advance(salescli, root, HELP_RUNS), ADVANCE_BUDGET_S),
    ]

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    print(f"cpus: {os.cpu_count()} (usable: {affinity or 'n/a'}); "
          f"python {sys.version.split()[0]}; {salescli[0]}")
    header = f"{'benchmark':<30} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7} " \
             f"{'budget s':>9} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for name, times, budget in rows:
        median = statistics.median(times)
        print(f"{name:<30} {len(times):>4} {median:>9.3f} {min(times):>7.3f} "
              f"{max(times):>7.3f} {budget:>9.3f} {median / budget:>6.2f}")
    print("ratio = median / budget (SPEC §9); below 1.00 is within budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
