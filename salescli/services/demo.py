"""`salescli demo`: a pipeline repository with two years of believable, backdated history.

The generator plans every record's timeline first (small event tuples, no text),
sorts the events by time, then replays them: each event changes the records it
touches exactly as the matching salescli command would (same keys, key order,
flow style, commit subject and `Salescli-Event:` trailer) and becomes one commit,
streamed into a single `git fast-import` process (SPEC §9: 10,000 deals, about
100,000 commits, in minutes). Nothing reads the wall clock or iterates a set, so
the same seed and end date give the same HEAD.

What a command decides, the demo asks the command's own rule step for: a deal's
entry, moves, wins and losses (services.deals.added, moved, won, lost; the discount
approval, core.rules), a lead's status changes (services.leads), the prices (core.money), each
against the settings, pipeline and price list the demo commits. A quote is made by the
`quote` command's own code (core.quote.build_quote, services.documents.quote_issued):
the document and the deal's entry of it are what `salescli quote` writes; a won deal's
customer accepts its latest quote under `quote accept`'s rule (services.quotes.decision),
re-issued first if it expired. Its records are
written with store.yamlio.dump_record (the commands' text without ruamel, which a
test compares on every version) through store.gitio.FastImport.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from msgspec import Struct
from msgspec import field

from salescli.core.commitmsg import commit_message
from salescli.core.commitmsg import subject
from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.core.ids import KINDS
from salescli.core.ids import slugify
from salescli.core.money import cents
from salescli.core.roles import BUYER_ROLES as BUYERS  # the roles that decide
from salescli.services import accounts
from salescli.services import deals
from salescli.services import leads
from salescli.services.edit import choose
from salescli.services.edit import describe
from salescli.store.yamlio import dump_record
from salescli.store.yamlio import scalar as yaml_scalar

DAYS = 730  # the history spans the two years before `end`
BRANCH = "refs/heads/main"
CURRENCY = "EUR"
PRESET = "default"
STAGES = ("needs-analysis", "proposal", "negotiation", "contracting")
COMPETITORS = ("Visma", "SAP", "Oracle", "Salesforce")  # the deal's custom field
# event time and author: every commit is dated when its event happened, UTC
TEAM = {"anna": ("Anna Lindholm", 40), "ville": ("Ville Korpela", 35),
        "sara": ("Sara Nyberg", 25)}
MAIL = "hubble.example"
LEAD_SOURCES = (("website", 26), ("linkedin", 18), ("inbound", 16), ("event", 14),
                ("referral", 10), ("partner", 8), ("outbound", 8))
DIRECT_SOURCES = (("outbound", 40), ("referral", 25), ("partner", 20), ("event", 15))
LOST_REASONS = ("price", "budget", "timing", "no-need", "competitor", "no-response",
                "requirements", "other")
# where deals are lost, and why (seed 001's standard loss reasons), by stage
LOST_AT = ((0, 60), (1, 22), (2, 13), (3, 5))
REASONS_BY_STAGE = {
    0: (("no-need", 24), ("budget", 18), ("timing", 18), ("no-response", 20),
        ("requirements", 12), ("other", 8)),
    1: (("price", 22), ("competitor", 22), ("no-response", 18), ("budget", 14),
        ("timing", 12), ("requirements", 8), ("other", 4)),
    2: (("price", 35), ("competitor", 30), ("budget", 12), ("timing", 13), ("other", 10)),
    3: (("competitor", 30), ("price", 25), ("timing", 25), ("other", 20)),
}
DISQUALIFY = (("not-icp", 38), ("no-need", 27), ("unreachable", 20), ("budget-or-tech", 15))
# median days in a stage; the pipeline's max_days are 21 and 14 for the first two
DWELL = {0: 13.0, 1: 9.0, 2: 12.0, 3: 6.0}

NAME_HEADS = (
    "Nordic", "Baltic", "Arctic", "Boreal", "Aurora", "Polar", "Lake", "Harbour", "Pine",
    "Granite", "Birch", "Northern", "Coastal", "Bright", "Silver", "Blue", "Green", "Iron",
    "Cedar", "Summit", "Keski", "Itä", "Länsi", "Etelä", "Pohjois", "Saimaa", "Kaleva",
    "Tapio", "Ilmari", "Väinö", "Helmi", "Kivi", "Metsä", "Vesi", "Tuuli", "Valo", "Sisu",
    "Oulu", "Tampere", "Turku", "Espoo", "Vaasa", "Kuopio", "Lahti", "Pori", "Joensuu",
    "Hämeen", "Savon", "Karjalan", "Lapin",
)
NAME_TAILS = (
    "Logistics", "Machinery", "Foods", "Systems", "Analytics", "Engineering", "Timber",
    "Energy", "Clinics", "Retail", "Software", "Metals", "Packaging", "Marine", "Transport",
    "Dental", "Robotics", "Media", "Consulting", "Automation", "Plastics", "Textiles",
    "Bakery", "Brewery", "Properties", "Electric", "Optics", "Pharma", "Labs", "Design",
    "Works", "Tech", "Farms", "Print", "Security", "Health", "Water", "Glass", "Steel",
    "Pumps",
)
LEGAL_FORMS = ("Oy", "Oy", "Oy", "Oyj", "Ab", "AB", "AS", "Ltd", "GmbH")
TLDS = {"Oy": ".fi", "Oyj": ".fi", "Ab": ".fi", "AB": ".se", "AS": ".no", "Ltd": ".co.uk",
        "GmbH": ".de"}
INDUSTRIES = ("manufacturing", "logistics", "retail", "healthcare", "software", "energy",
              "construction", "food", "professional-services", "public-sector")
REGIONS = ("Uusimaa", "Pirkanmaa", "Varsinais-Suomi", "Pohjois-Pohjanmaa", "Keski-Suomi",
           "Satakunta", "Stockholm", "Tallinn", "Oslo")
SIZES = ("1-9", "10-49", "50-249", "250-999", "1000+")
# a region's main city, for an account's address (`account add --address`)
CITIES = {"Uusimaa": "00100 Helsinki", "Pirkanmaa": "33100 Tampere",
          "Varsinais-Suomi": "20100 Turku", "Pohjois-Pohjanmaa": "90100 Oulu",
          "Keski-Suomi": "40100 Jyväskylä", "Satakunta": "28100 Pori",
          "Stockholm": "111 22 Stockholm, Sweden", "Tallinn": "10111 Tallinn, Estonia",
          "Oslo": "0150 Oslo, Norway"}
STREETS = ("Teollisuuskatu", "Satamakatu", "Hämeenkatu", "Kauppakatu", "Tehtaankatu",
           "Konepajankuja", "Rantakatu", "Asemakatu")


def street_address(region: str, n: int) -> str:
    """A plausible one-line address in the region, from a counter (the random sequence,
    and so the rest of the demo, stays as it was)."""
    return f"{STREETS[n % len(STREETS)]} {n % 47 + 1}, {CITIES[region]}"
FIRST = ("Matti", "Anna", "Juha", "Laura", "Mikko", "Sanna", "Timo", "Kaisa", "Jari", "Elina",
         "Pekka", "Heidi", "Antti", "Minna", "Ville", "Riikka", "Janne", "Tiina", "Jukka",
         "Satu", "Markus", "Johanna", "Teemu", "Noora", "Sami", "Päivi", "Lars", "Ingrid",
         "Erik", "Sofia", "Olli", "Aino", "Eero", "Venla", "Henrik", "Maria")
LAST = ("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
        "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen",
        "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen",
        "Tuominen", "Rantanen", "Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lindqvist",
        "Andersson", "Nyström", "Berg", "Holm", "Ström")

TITLES = {
    "economic-buyer": ("CEO", "CFO", "Managing Director", "COO"),
    "decision-maker": ("Head of Operations", "IT Director", "VP Sales", "Plant Manager"),
    "technical-evaluator": ("Solution Architect", "IT Manager", "Lead Engineer"),
    "champion": ("Operations Manager", "Development Manager", "Product Owner"),
    "end-user": ("Planner", "Customer Service Lead", "Warehouse Supervisor"),
    "approver": ("Procurement Manager", "Legal Counsel"),
    "influencer": ("Controller", "Quality Manager"),
}
LEAD_TITLES = ("Operations Manager", "Development Manager", "IT Manager", "Office Manager",
               "Planner", "Product Owner", "Controller", "Head of Operations")
TOPICS = ("Order automation", "Warehouse pilot", "ERP integration", "Field service app",
          "Reporting dashboard", "Customer portal", "Data platform", "Invoice automation",
          "Production monitoring", "Quality tracking", "Integration platform",
          "Mobile sales tool", "Maintenance planning", "Route optimisation",
          "Inventory forecasting")
REPEAT_TOPICS = ("Licence expansion", "Second site rollout", "Support renewal",
                 "Analytics add-on", "Training programme")
# the demo company's price list (products.yaml); tiers as SPEC 3.4 shows them
PRODUCTS = (
    # sku, name, unit, price, billing, tiers
    ("silma-pro", "Silma.io Pro", "user", "35.00", "monthly", (("25", "31.50"), ("100", "28.00"))),
    ("silma-enterprise", "Silma.io Enterprise", "user", "55.00", "monthly",
     (("50", "49.50"), ("200", "44.00"))),
    ("onboarding", "Onboarding package", "package", "2400.00", "one-time", ()),
    ("integration", "Integration work", "h", "120.00", "one-time", ()),
    ("training", "Training day", "day", "1400.00", "one-time", ()),
    ("premium-support", "Premium support", "year", "4800.00", "annually", ()),
)
TAX_RATE = "25.5"
MAX_QUANTITY = {"onboarding": 1, "premium-support": 1, "training": 8}
PRICE = {p[0]: p[3] for p in PRODUCTS}
CALLS = ("Intro call", "Discovery call about the current process", "Follow-up call",
         "Called about budget timing", "Pricing questions by phone", "Reference call arranged")
EMAILS = ("Sent case study", "Sent meeting notes", "Answered security questionnaire",
          "Shared pricing options", "Followed up on open questions", "Sent reference list")
OUTCOMES = ("Meeting booked", "Interested, wants a demo", "Asked for pricing",
            "Budget owner identified", "Will come back next week", "Agreed next step")
MEETINGS = ("First meeting (VALKEA agenda)", "Needs workshop at their office",
            "Steering group presentation", "Site visit", "Negotiation meeting")
WENT_WELL = ("Started from their processes, not our product", "Clear agenda and goal",
             "Decision maker attended", "They shared the budget range",
             "Good questions about integrations", "Agreed concrete next steps")
IMPROVE = ("Ask about the buying process earlier", "Shorter product part",
           "Bring a reference case", "Confirm attendees the day before",
           "Summarise next steps in writing", "Listen more before presenting")
DEMOS = ("Product demo for the operations team", "Demo of the reporting module",
         "Technical demo with IT")
NOTES = ("Budget confirmed by the CFO", "Competitor also invited to tender",
         "Pilot first, full rollout after the summer", "Procurement needs three quotes",
         "Champion moving to a new role in spring")
TASKS = ("Prepare pilot plan", "Check references for them", "Draft contract terms",
         "Send invoice details to finance", "Book onboarding workshop")
NEXT_STEPS = ("Send revised proposal", "Book demo with IT", "Confirm budget owner",
              "Agree contract terms", "Schedule steering group", "Follow up on signature",
              "Share reference customer", "Prepare pilot plan")
BACK_REASONS = {
    0: ("New decision maker joined; needs re-analysed", "Scope changed after their reorganisation",
        "Requirements reopened by IT"),
    1: ("Scope changed: customer wants a smaller first phase", "Budget cut; proposal to revise",
        "Procurement asked for a new proposal format"),
}
LOST_NOTES = {
    "price": "Chose a cheaper local vendor", "budget": "Budget moved to another initiative",
    "timing": "Project postponed to next year", "no-need": "Solved it with their ERP's module",
    "competitor": "Went with a competitor's suite", "no-response": "Stopped answering after "
    "the demo", "requirements": "Needed on-premises hosting", "other": "Company was acquired",
}


class DemoSummary(Struct):
    """What `build_demo` made: counts for the user and for tests."""

    root: Path
    commits: int = 0
    accounts: int = 0
    leads: int = 0
    deals: int = 0
    open: int = 0
    won: int = 0
    lost: int = 0


# ---------------------------------------------------------------- small helpers


def _epoch(when: dt.datetime) -> int:
    return calendar.timegm(when.timetuple())


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


class Person(Struct):
    id: str
    name: str
    title: str | None
    email: str
    phone: str | None
    role: str | None = None


class AccountPlan(Struct):
    id: str
    name: str
    domain: str
    owner: str
    created: dt.datetime
    people: list[Person] = field(default_factory=list)
    free_after: dt.datetime | None = None  # a won deal closed: ready for a repeat deal


class Record(Struct):
    kind: str
    id: str
    path: str
    data: dict[str, Any]


# ------------------------------------------------------------------- the plan


class Demo:
    """Plans the timelines, then replays them as commits (see the module doc)."""

    def __init__(self, deals: int, seed: int, end: dt.date):
        from salescli.core.model import key_order
        from salescli.services.edit import FLOW_KEYS

        self.n_deals = deals
        self.rng = random.Random(seed)
        self.end = end
        self.start = end - dt.timedelta(days=DAYS)
        self.end_dt = dt.datetime(end.year, end.month, end.day, 23, 59, 59)
        self.events: list[tuple[dt.datetime, int, Callable[..., Any], tuple]] = []
        self.taken: dict[str, set[str]] = {"account": set(), "lead": set(), "deal": set()}
        self.domains: set[str] = set()
        self.serial = 0
        self.accounts: list[AccountPlan] = []
        from salescli.core.model import Activity
        from salescli.core.model import Contact
        from salescli.core.model import field_names

        self.activity_order = field_names(Activity)
        self.order = {k: key_order(k) for k in KINDS}
        self.order["deal"].append("competitor")  # the custom field, last as `set` adds it
        self.contact_order = field_names(Contact)
        self.flow = FLOW_KEYS
        self.records: dict[tuple[str, str], Record] = {}
        self.quote_numbers: dict[int, str] = {}  # each year's latest quote number
        self.last_quote: dict[str, tuple[str, bytes]] = {}  # deal -> its latest document
        self.commits = 0
        self.now = dt.datetime.combine(self.start, dt.time(9))

    # -- randomness with guarantees
    def pick(self, weighted: tuple[tuple[Any, int], ...]) -> Any:
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def deck(self, weighted: tuple[tuple[Any, int], ...]) -> Callable[[], Any]:
        """Weighted draws whose first len(values) draws hold every value once (a demo
        of any size shows every source, owner and reason)."""
        first = [v for v, _ in weighted]
        self.rng.shuffle(first)

        def draw() -> Any:
            return first.pop() if first else self.pick(weighted)

        return draw

    # -- time
    def at(self, day: dt.date) -> dt.datetime:
        """A working-hours moment on `day` (weekends move to Monday)."""
        if day.weekday() >= 5:
            day += dt.timedelta(days=7 - day.weekday())
        minute = self.rng.randint(8 * 60, 17 * 60 + 30)
        return dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60,
                           self.rng.randint(0, 59))

    def later(self, when: dt.datetime, days: float) -> dt.datetime:
        """A working-hours moment about `days` after `when`, always after it."""
        nxt = self.at((when + dt.timedelta(days=max(days, 0))).date())
        if nxt <= when:
            nxt = when + dt.timedelta(minutes=self.rng.randint(4, 90),
                                      seconds=self.rng.randint(0, 59))
        return nxt

    def dwell(self, stage: int, slow: bool) -> float:
        days = DWELL[stage] * self.rng.lognormvariate(0, 0.45)
        if self.rng.random() < 0.12:
            days *= 2.4  # stuck: longer than the stage's max_days
        if slow:
            days *= 1.7  # seed 000: processes started before summer last longer
        return max(days, 1.0)

    def arrivals(self, count: int, first: dt.date, last: dt.date) -> list[dt.datetime]:
        """`count` moments between two days: a growing business, quiet July and Christmas."""
        span = (last - first).days
        out = []
        while len(out) < count:
            day = first + dt.timedelta(days=self.rng.randint(0, span))
            weight = 0.55 + 0.45 * (day - first).days / max(span, 1)
            if day.month == 7 or (day.month == 12 and day.day > 20):
                weight *= 0.45
            if self.rng.random() < weight:
                when = self.at(day)
                if when > self.end_dt:
                    # a weekend at the very end: `at` moved it to the Monday after `end`,
                    # which replay drops (and its deal with it); the Friday before instead
                    when -= dt.timedelta(days=3)
                out.append(when)
        return sorted(out)

    def event(self, when: dt.datetime, op: Callable[..., Any], *args: Any) -> None:
        self.events.append((when, len(self.events), op, args))

    # -- names
    def unique(self, kind: str, base: str) -> str:
        from salescli.core.ids import unique_id

        ident = unique_id(base, self.taken[kind])
        self.taken[kind].add(ident)
        return ident

    def number(self) -> int:
        self.serial += 1
        return (self.serial * 7919 + 1_234_567) % 10_000_000  # distinct below 10**7

    def phone(self) -> str:
        n = self.number()
        return f"+358 {self.rng.choice(('40', '44', '50'))} {n // 10_000:03d} {n % 10_000:04d}"

    def business_id(self) -> str:
        while True:
            digits = f"{self.number():07d}"
            rest = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2),
                                                  strict=True)) % 11
            if rest != 1:  # the Finnish Y-tunnus check digit
                return f"{digits}-{0 if rest == 0 else 11 - rest}"

    def company(self) -> tuple[str, str, str]:
        """(name, short name, unique web domain)."""
        from salescli.core.ids import slugify

        head, tail = self.rng.choice(NAME_HEADS), self.rng.choice(NAME_TAILS)
        form = self.rng.choice(LEGAL_FORMS)
        base = slugify(head + tail)
        domain, n = base, 1
        while domain + TLDS[form] in self.domains:
            n += 1
            domain = f"{base}{n}"
        self.domains.add(domain + TLDS[form])
        return f"{head} {tail} {form}", f"{head} {tail}", domain + TLDS[form]

    def person(self, domain: str, taken: list[Person], role: str | None,
               title: str | None = None) -> Person:
        from salescli.core.ids import slugify
        from salescli.core.ids import unique_id

        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        name = f"{first} {last}"
        ident = unique_id(slugify(name), [p.id for p in taken])
        local = ident.replace("-", ".")
        if title is None:
            title = self.rng.choice(TITLES[role]) if role else self.rng.choice(LEAD_TITLES)
        phone = self.phone() if self.rng.random() < 0.8 else None
        return Person(ident, name, title, f"{local}@{domain}", phone, role)

    # -- plans
    def plan(self) -> None:
        rng = self.rng
        owner_of = self.deck(tuple((o, w) for o, (_, w) in TEAM.items()))
        lead_source = self.deck(LEAD_SOURCES)
        direct_source = self.deck(DIRECT_SOURCES)
        disqualify = self.deck(DISQUALIFY)
        n = self.n_deals
        # the first deals are old enough to close: they show every lost reason
        window = min(n, 2 * len(LOST_REASONS))
        forced = dict(zip(sorted(rng.sample(range(window), min(window, len(LOST_REASONS)))),
                          rng.sample(LOST_REASONS, len(LOST_REASONS)), strict=False))
        first_deal = self.start + dt.timedelta(days=10)
        created = self.arrivals(n, first_deal, self.end - dt.timedelta(days=1))
        for i, t0 in enumerate(created):
            outcome = self.outcome(forced.get(i))
            ready = [a for a in self.accounts if a.free_after and a.free_after < t0]
            roll = rng.random()
            if roll < 0.22 and ready:
                account = rng.choice(ready[-40:])  # a recent customer buys more
                account.free_after = None
                self.plan_deal(account, t0, rng.choice(REPEAT_TOPICS), account.owner,
                               rng.choice(("referral", "inbound", "website")), outcome, "repeat")
            elif roll < 0.45:
                self.plan_direct(t0, owner_of(), direct_source(), outcome)
            else:
                self.plan_lead(t0, owner_of(), lead_source(), outcome=outcome)
        # leads that never become deals: disqualified, parked as accounts, still open
        extra = max(len(DISQUALIFY) + 2, int(n * 0.25))
        for i, t0 in enumerate(self.arrivals(extra, self.start + dt.timedelta(days=1),
                                             self.end)):
            if i < len(DISQUALIFY):
                fate = "disqualify"
            else:
                fate = self.pick((("disqualify", 80), ("no-deal", 12), ("qualified", 8)))
            self.plan_lead(t0, owner_of(), lead_source(), fate=fate,
                           reason=disqualify() if fate == "disqualify" else None)

    def outcome(self, forced_reason: str | None) -> tuple[str, int, str | None]:
        """(won|lost, the stage index it ends in, lost reason)."""
        if forced_reason:
            stage = self.pick(tuple((s, w) for s, w in LOST_AT
                                    if forced_reason in dict(REASONS_BY_STAGE[s])))
            return "lost", stage, forced_reason
        if self.rng.random() < 0.29:
            return "won", 3, None
        stage = self.pick(LOST_AT)
        return "lost", stage, self.pick(REASONS_BY_STAGE[stage])

    def plan_lead(self, convert_at: dt.datetime, owner: str, source: str,
                  outcome: tuple | None = None, fate: str = "deal",
                  reason: str | None = None) -> None:
        rng = self.rng
        from salescli.core.ids import slugify

        name, short, domain = self.company()
        lead_id = self.unique("lead", slugify(name))
        contact = self.person(domain, [], None)
        if fate == "deal":
            gap = rng.uniform(2, 25)
            t0 = max(convert_at - dt.timedelta(days=gap),
                     dt.datetime.combine(self.start + dt.timedelta(days=1), dt.time(9)))
        else:
            t0 = convert_at
        data = {"id": lead_id, "company": name,
                "contact": {k: v for k, v in (("name", contact.name), ("email", contact.email),
                                              ("phone", contact.phone),
                                              ("title", contact.title)) if v is not None},
                "source": source, "status": "new", "owner": owner, "created": t0.date()}
        self.event(t0, self.op_lead_add, data)
        # first contact: mostly within the SLA (48 h), some breaches
        unreachable = fate == "disqualify" and reason == "unreachable"
        hours = rng.uniform(0.3, 30) if rng.random() < 0.84 else rng.uniform(60, 200)
        when = t0 + dt.timedelta(hours=hours)
        if when.weekday() >= 5:
            when = self.later(when, 0)
        if fate == "deal" and when >= convert_at:
            when = t0 + (convert_at - t0) / 3
        if unreachable:
            for _ in range(rng.randint(1, 3)):
                when = self.later(when, rng.uniform(1, 4))
                self.event(when, self.op_log, "lead", lead_id, owner,
                           {"type": "call", "summary": "Tried to call",
                            "outcome": "No answer, left a message"})
        else:
            self.event(when, self.op_lead_contact, lead_id, owner)
            if rng.random() < 0.15:
                kind = rng.choice(("call", "email"))
                summary = rng.choice(CALLS if kind == "call" else EMAILS)
                act = {"type": kind, "summary": summary}
                if kind == "call" and rng.random() < 0.6:
                    act["outcome"] = rng.choice(OUTCOMES)
                nxt = when + dt.timedelta(minutes=rng.randint(5, 240))
                if fate != "deal" or nxt < convert_at:
                    self.event(nxt, self.op_log, "lead", lead_id, owner, act)
                    when = nxt
        if fate == "deal":
            qualify = rng.random() < 0.15
            if qualify:
                self.event(when + (convert_at - when) / 2, self.op_lead_qualify, lead_id, owner)
            account = self.new_account(name, domain, owner, convert_at, [contact])
            topic = rng.choice(TOPICS)
            self.plan_deal(account, convert_at, f"{short} {topic.lower()}", owner, source,
                           outcome, "lead", lead_id)
            return
        decided = self.later(when, rng.uniform(2, 20))
        if fate == "disqualify":
            self.event(decided, self.op_lead_disqualify, lead_id, owner, reason)
        elif fate == "qualified":
            self.event(decided, self.op_lead_qualify, lead_id, owner)
        else:  # qualified, no need yet: the account only (`lead convert --no-deal`)
            account = self.new_account(name, domain, owner, decided, [contact])
            self.event(decided, self.op_convert, lead_id, owner, account.id, None, None)

    def new_account(self, name: str, domain: str, owner: str, created: dt.datetime,
                    people: list[Person]) -> AccountPlan:
        from salescli.core.ids import slugify

        account = AccountPlan(self.unique("account", slugify(name)), name, domain, owner,
                              created, list(people))
        self.accounts.append(account)
        return account

    def plan_direct(self, t0: dt.datetime, owner: str, source: str, outcome: tuple) -> None:
        """Prospecting: `account add`, `contact add`, then `deal add`."""
        rng = self.rng
        name, short, domain = self.company()
        added = t0 - dt.timedelta(days=rng.uniform(1, 15))
        added = max(added, dt.datetime.combine(self.start + dt.timedelta(days=1), dt.time(9)))
        account = self.new_account(name, domain, owner, added, [])
        data = {"id": account.id, "name": name, "business_id": self.business_id(),
                "domain": domain, "industry": rng.choice(INDUSTRIES),
                "region": rng.choice(REGIONS), "size": rng.choice(SIZES), "owner": owner,
                "created": added.date()}
        data["address"] = street_address(data["region"], len(self.accounts))
        if rng.random() < 0.3:
            data["tags"] = [rng.choice(("nordics", "key-account", "partner-led", "public"))]
        self.event(added, self.op_account_add, data)
        role = rng.choice(BUYERS) if rng.random() < 0.7 else "champion"
        person = self.person(domain, account.people, role)
        account.people.append(person)
        when = added + (t0 - added) / 2
        self.event(when, self.op_contact_add, account.id, owner, person, "high")
        self.plan_deal(account, t0, f"{short} {rng.choice(TOPICS).lower()}", owner, source,
                       outcome, "direct")

    def plan_deal(self, account: AccountPlan, t0: dt.datetime, title: str, owner: str,
                  source: str, outcome: tuple, origin: str, lead_id: str | None = None) -> None:
        from salescli.core.ids import slugify

        rng = self.rng
        status, last_stage, reason = outcome
        deal_id = self.unique("deal", slugify(title))
        slow = t0.month in (5, 6, 7)
        value = Decimal(int(rng.lognormvariate(9.9, 0.7)) // 500 * 500 + 1500)
        steps: list[tuple[dt.datetime, Callable[..., Any], tuple]] = []
        cursor = t0

        def step(days: float, op: Callable[..., Any], *args: Any) -> None:
            nonlocal cursor
            cursor = self.later(cursor, days)
            steps.append((cursor, op, args))

        people = account.people
        # roles known to the account (the lead's contact has none yet)
        buyer = next((p for p in people if p.role in BUYERS), None)
        on_deal: list[str] = [people[0].id] if origin == "lead" and people else []
        if origin == "lead":
            deal_data = self.deal_data(deal_id, title, account.id, value, None, owner, source,
                                       t0, [{"contact": people[0].id}] if people else None)
        else:
            deal_data = self.deal_data(deal_id, title, account.id, value, None, owner, source,
                                       t0, None)
        # the expected close date and the stage plan come first; dates are filled below
        plan: list[tuple[float, Callable[..., Any], tuple]] = []

        def add(days: float, op: Callable[..., Any], *args: Any) -> None:
            plan.append((days, op, args))

        stage_steps: list[list[tuple[float, Callable[..., Any], tuple]]] = []
        items: list[dict[str, Any]] = []
        for si in range(last_stage + 1):
            plan = []
            dwell = self.dwell(si, slow)
            final = si == last_stage
            if si == 0:
                if origin != "repeat" and rng.random() < 0.35:
                    add(1, self.op_log, "deal", deal_id, owner, self.call(on_deal, first=True))
                if rng.random() < 0.85:
                    self.plan_meeting(add, deal_id, owner,
                                      on_deal or [p.id for p in people[:1]])
                if rng.random() < 0.2:
                    add(2, self.op_log, "deal", deal_id, owner,
                        {"type": "demo", "summary": rng.choice(DEMOS), "with": on_deal[:2]
                         or None})
                if rng.random() < 0.2:
                    add(1, self.op_next_step, deal_id, owner, *self.next_step(dwell))
                if rng.random() < 0.3:  # a task: those of the last days are still open
                    task = rng.choice(TASKS)
                    add(1, self.op_task_add, deal_id, owner, task, rng.randint(3, 10))
                    add(rng.uniform(2, 12), self.op_task_done, deal_id, task)
                # a decision maker before proposal (the stage requires one)
                if buyer is None:
                    if origin == "lead" and rng.random() < 0.6:
                        first = people[0]
                        first.role = rng.choice(BUYERS)
                        add(2, self.op_contact_set, account.id, owner, first.id,
                            {"role": first.role, "influence": "high"})
                        buyer = first
                    else:
                        new = self.person(account.domain, people, rng.choice(BUYERS))
                        people.append(new)
                        add(2, self.op_contact_add, account.id, owner, new, "high")
                        buyer = new
                if buyer.id not in on_deal:
                    add(1, self.op_stakeholder, deal_id, owner, buyer.id, buyer.role)
                    on_deal.append(buyer.id)
                if rng.random() < 0.15:
                    role = rng.choice(("technical-evaluator", "champion", "end-user",
                                       "approver", "influencer"))
                    extra = self.person(account.domain, people, role)
                    people.append(extra)
                    add(1, self.op_contact_add, account.id, owner, extra,
                        rng.choice(("medium", "low", "high")))
                    add(1, self.op_stakeholder, deal_id, owner, extra.id, None)
                    on_deal.append(extra.id)
                for item in self.items(value):
                    items.append(item)
                    add(1, self.op_item_add, deal_id, owner, item, None)
                if rng.random() < 0.25:
                    add(1, self.op_set_value, deal_id, owner, None)  # the items' total
            elif si == 1:
                add(2, self.op_quote, deal_id, owner)
                if rng.random() < 0.25:
                    add(0.1, self.op_log, "deal", deal_id, owner,
                        {"type": "email", "summary": "Sent proposal and quote"})
                if rng.random() < 0.2:
                    add(3, self.op_log, "deal", deal_id, owner, self.call(on_deal))
                if rng.random() < 0.15:
                    add(1, self.op_next_step, deal_id, owner, *self.next_step(dwell))
            elif si == 2:
                if rng.random() < 0.2:
                    self.plan_meeting(add, deal_id, owner, on_deal, MEETINGS[-1])
                roll = rng.random()
                if roll < 0.2 and items:  # a discount to close: new quote, lower value
                    index = rng.randrange(len(items))
                    old = items.pop(index)
                    discount = rng.choice((5, 10, 10, 15, 20))
                    new = {**{k: v for k, v in old.items() if k != "discount"}}
                    new = self.with_discount(new, discount)
                    items.append(new)
                    add(1, self.op_item_remove, deal_id, owner, index)
                    add(0.05, self.op_item_add, deal_id, owner, new,
                        "anna" if discount > 15 else None)
                    add(0.1, self.op_quote, deal_id, owner)
                    add(0.1, self.op_set_value, deal_id, owner, None)
                elif roll < 0.28:  # the scope grows
                    more = self.items(value, 1)[0]
                    items.append(more)
                    add(2, self.op_item_add, deal_id, owner, more, None)
                    add(0.1, self.op_quote, deal_id, owner)
                    add(0.1, self.op_set_value, deal_id, owner, None)
                if rng.random() < 0.15:
                    add(2, self.op_log, "deal", deal_id, owner,
                        {"type": "note", "summary": rng.choice(NOTES)})
            else:
                add(1, self.op_log, "deal", deal_id, owner,
                    {"type": "email", "summary": "Contract sent for signature"})
                if rng.random() < 0.6:  # a task with a due date, done a few days later
                    task = rng.choice(TASKS)
                    add(1, self.op_task_add, deal_id, owner, task, rng.randint(2, 7))
                    add(rng.uniform(1, 6), self.op_task_done, deal_id, task)
            if final and status == "lost":
                # lost somewhere in the stage, not always after everything in it
                plan = plan[:rng.randint(0, len(plan))] if si == 0 else plan
            if si == 1 and rng.random() < 0.45:  # a custom field (salescli.yaml)
                add(1, self.op_set, deal_id, owner, {"competitor": rng.choice(COMPETITORS)})
            # the stage's checklist, mostly ticked before moving on (seed 001 §7.5.1)
            for k in range(3):
                if not final or status == "won" or rng.random() < 0.5:
                    add(0.5, self.op_tick, deal_id, owner, STAGES[si], k)
            stage_steps.append(self.spread(plan, dwell))
        # dates: walk the stages, advancing between them
        back_done = False
        for si, spread in enumerate(stage_steps):
            for days, op, args in spread:
                step(days, op, *args)
            if si == last_stage:
                break
            if si in (1, 2) and not back_done and rng.random() < (0.05 if si == 1 else 0.09):
                back_done = True  # the cycle is not linear (seed 004), with a reason
                target = STAGES[si - 1]
                step(rng.uniform(1, 4), self.op_move, deal_id, owner, target,
                     rng.choice(BACK_REASONS[si - 1]))
                if si == 2:
                    step(rng.uniform(2, 6), self.op_quote, deal_id, owner)
                else:
                    step(rng.uniform(2, 6), self.op_log, "deal", deal_id, owner,
                         self.call(on_deal))
                step(rng.uniform(1, 5), self.op_move, deal_id, owner, STAGES[si], None)
            step(rng.uniform(0.5, 3), self.op_move, deal_id, owner, STAGES[si + 1], None)
        revisit = None
        if status == "won":
            step(rng.uniform(1, 6), self.op_win, deal_id, owner)
            # the customer signs the quote (re-issued first if it expired), and gives
            # the address for the invoice, just before the win (no random draw)
            steps.append((cursor - dt.timedelta(minutes=20), self.op_requote, (deal_id,)))
            steps.append((cursor - dt.timedelta(minutes=10), self.op_quote_accept,
                          (deal_id,)))
            steps.append((cursor - dt.timedelta(minutes=3), self.op_account_address,
                          (account.id, owner)))
        else:
            if reason == "timing" and rng.random() < 0.7:
                revisit = _month_end(cursor.date() + dt.timedelta(days=rng.randint(90, 300)))
            note = LOST_NOTES[reason] if rng.random() < 0.6 else None
            step(rng.uniform(1, 6), self.op_lose, deal_id, owner, reason, note, revisit)
        closed = cursor
        # the expected close date: optimistic at first, slipping later while it runs
        cycle = (closed - t0).days
        close = (t0 + dt.timedelta(days=max(14, cycle * rng.uniform(0.5, 1.15)))).date()
        if rng.random() < 0.3:
            close = _month_end(close)
        deal_data["close_date"] = close
        slips: list[tuple[dt.datetime, Callable[..., Any], tuple]] = []
        while close < closed.date():
            late = rng.random() < 0.12  # noticed only after the date had passed
            when = self.at(close + dt.timedelta(days=rng.randint(3, 20) if late
                                                else -rng.randint(0, 6)))
            if when <= t0:
                when = self.later(t0, 1)
            if when >= closed:
                break
            close = close + dt.timedelta(days=rng.randint(14, 60))
            if rng.random() < 0.4:
                close = _month_end(close)
            slips.append((when, self.op_set, (deal_id, owner, {"close_date": close})))
        # a handover now and then: the deal's later commits are by its new owner
        if rng.random() < 0.03 and len(steps) > 3:
            k = rng.randrange(1, len(steps) - 1)
            when = steps[k][0] - dt.timedelta(seconds=30)
            if when > steps[k - 1][0]:
                new_owner = rng.choice([o for o in TEAM if o != owner])
                steps.insert(k, (when, self.op_set, (deal_id, owner, {"owner": new_owner})))
        # create: `lead convert` or `deal add`
        if origin == "lead":
            self.event(t0, self.op_convert, lead_id, owner, account.id, deal_data,
                       account.people[:1])
        else:
            self.event(t0, self.op_deal_add, deal_data)
        for when, op, args in sorted(steps + slips, key=lambda s: s[0]):
            self.event(when, op, *args)
        if status == "won":
            account.free_after = closed

    def spread(self, plan: list, dwell: float) -> list:
        """The stage's steps with gaps that fill about `dwell` days."""
        if not plan:
            return []
        weight = sum(max(d, 0.05) for d, _, _ in plan)
        scale = dwell / (weight + 1)
        return [(max(d, 0.05) * scale, op, args) for d, op, args in plan]

    def plan_meeting(self, add: Callable[..., None], deal_id: str, owner: str,
                     with_: list[str], summary: str | None = None) -> None:
        rng = self.rng
        summary = summary or rng.choice(MEETINGS[:3])
        if rng.random() < 0.25:  # booked in salescli ahead of time, or logged once held
            add(1, self.op_log, "deal", deal_id, owner,
                {"type": "meeting", "summary": summary, "status": "booked"})
        if rng.random() < 0.08:
            add(3, self.op_log, "deal", deal_id, owner,
                {"type": "meeting", "summary": summary, "outcome": "They cancelled; rebooking",
                 "status": "cancelled"})
            add(1, self.op_log, "deal", deal_id, owner,
                {"type": "meeting", "summary": summary, "status": "booked"})
        held = {"type": "meeting", "summary": summary, "status": "held",
                "with": with_[:3] or None}
        if rng.random() < 0.6:
            held["outcome"] = rng.choice(OUTCOMES)
        if rng.random() < 0.75:  # VALKEA's evaluation phase
            held["evaluation"] = {"went_well": rng.choice(WENT_WELL),
                                  "improve": rng.choice(IMPROVE)}
        add(4, self.op_log, "deal", deal_id, owner, held)

    def call(self, with_: list[str], first: bool = False) -> dict[str, Any]:
        summary = CALLS[0] if first else self.rng.choice(CALLS[1:])
        act: dict[str, Any] = {"type": "call", "summary": summary}
        if self.rng.random() < 0.6:
            act["outcome"] = self.rng.choice(OUTCOMES)
        if with_ and self.rng.random() < 0.5:
            act["with"] = with_[:1]
        return act

    def next_step(self, dwell: float) -> tuple[str, int]:
        """(action, days from when it is set to when it is due)."""
        return self.rng.choice(NEXT_STEPS), int(dwell / 2) + self.rng.randint(3, 10)

    def items(self, value: Decimal, count: int | None = None) -> list[dict[str, Any]]:
        """Price-list items, roughly the deal's size, as `deal item add` writes them."""
        rng = self.rng
        out: list[dict[str, Any]] = []
        chosen = rng.sample(PRODUCTS[1:] if value > 40000 else PRODUCTS[:1] + PRODUCTS[2:],
                            count or rng.choice((1, 1, 1, 2, 2)))
        for sku, _, _, price, billing, _ in chosen:
            unit = Decimal(price)
            cycles = 12 if billing == "monthly" else 1
            share = value / (len(chosen) * unit * cycles)
            quantity = max(1, min(MAX_QUANTITY.get(sku, 500), int(share)))
            item: dict[str, Any] = {"product": sku, "quantity": quantity}
            if billing != "one-time":
                item["billing"] = billing
            out.append(item)
        # a product sold one at a time (onboarding, a year's support) leaves most of a
        # bigger deal unquoted: the rest is integration work, so the quote the customer
        # accepts, and the deal's won value with it, is about the deal's size
        total = sum(Decimal(PRICE[i["product"]]) * i["quantity"]
                    * (12 if i.get("billing") == "monthly" else 1) for i in out)
        most = MAX_QUANTITY.get("integration", 500)
        hours = min(most, int((value - total) / Decimal(PRICE["integration"])))
        if value - total > value / 5 and hours > 0:
            work = next((i for i in out if i["product"] == "integration"), None)
            if work is None:
                out.append({"product": "integration", "quantity": hours})
            else:
                work["quantity"] = min(most, work["quantity"] + hours)
        return out

    def with_discount(self, item: dict[str, Any], discount: int) -> dict[str, Any]:
        order = ("product", "quantity", "discount", "billing", "cycles")
        merged = {**item, "discount": discount}
        return {k: merged[k] for k in order if k in merged}

    @staticmethod
    def deal_data(deal_id: str, title: str, account: str, value: Decimal,
                  close: dt.date | None, owner: str, source: str, created: dt.datetime,
                  stakeholders: list | None) -> dict[str, Any]:
        return {"id": deal_id, "title": title, "account": account, "pipeline": PRESET,
                "stage": STAGES[0], "status": "open", "value": cents(value),
                "currency": CURRENCY, "close_date": close, "owner": owner, "source": source,
                "created": created.date(), "stakeholders": stakeholders}

    # ------------------------------------------------------------- the replay
    #
    # Each op changes records as the command named in its comment does, then
    # commits: (author, subject, records written, event, body, extra files).

    def rec(self, kind: str, ident: str) -> Record:
        return self.records[(kind, ident)]

    def new(self, kind: str, data: dict[str, Any]) -> Record:
        from salescli.store.repo import KIND_DIRS

        path = f"{KIND_DIRS[kind]}/{data['created']:%Y-%m}/{data['id']}.yaml"
        record = Record(kind, data["id"], path, data)
        self.records[(kind, data["id"])] = record
        return record

    def op_lead_add(self, data: dict[str, Any]) -> tuple:  # lead add
        lead = self.new("lead", dict(data))
        return data["owner"], subject("lead", lead.id, f"add from {data['source']}"), [lead], "add"

    def op_lead_contact(self, lead_id: str, owner: str) -> tuple:  # lead contact
        lead = self.rec("lead", lead_id)
        summary, changes = leads.contacted(self.model(lead), self.settings.lead_flow)
        lead.data.update(changes)
        return owner, subject("lead", lead_id, summary), [lead], "contact"

    def op_lead_qualify(self, lead_id: str, owner: str) -> tuple:  # lead qualify
        lead = self.rec("lead", lead_id)
        summary, changes = leads.qualified(self.model(lead), self.settings.lead_flow)
        lead.data.update(changes)
        return owner, subject("lead", lead_id, summary), [lead], "qualify"

    def op_lead_disqualify(self, lead_id: str, owner: str, reason: str) -> tuple:
        lead = self.rec("lead", lead_id)  # lead disqualify --reason
        choose(reason, self.settings.lead_disqualify_reasons, "disqualify reason")
        summary, changes = leads.disqualified(self.model(lead), reason)
        lead.data.update(changes)
        return owner, subject("lead", lead_id, summary), [lead], "disqualify"

    def op_convert(self, lead_id: str, owner: str, account_id: str,
                   deal: dict[str, Any] | None, people: list[Person] | None) -> tuple:
        """`lead convert`: a new account with the lead's contact, a deal, one commit."""
        lead = self.rec("lead", lead_id)
        x = self.model(lead)
        person = leads.lead_person(x)
        person = {"id": people[0].id if people else slugify(person["name"]), **person}
        account = self.new("account", leads.converted_account(x, account_id, owner,
                                                              self.now.date(), person))
        written = [account]
        if deal is not None:
            deals.added(self.pipe, {**deal, "account": "draft"}, self.account_roles(account),
                        f"convert {lead_id} with a deal in `{deal['stage']}`")
            written.append(self.new("deal", dict(deal)))
        lead.data.update(leads.converted_lead(account_id, deal and deal["id"]))
        written.append(lead)
        summary = leads.converted_summary(account_id, deal and deal["id"])
        return owner, subject("lead", lead_id, summary), written, "convert"

    def op_account_add(self, data: dict[str, Any]) -> tuple:  # account add
        account = self.new("account", dict(data))
        return data["owner"], subject("account", account.id, "add"), [account], "add"

    def op_contact_add(self, account_id: str, owner: str, p: Person,
                       influence: str) -> tuple:  # contact add
        account = self.rec("account", account_id)
        values = {"id": p.id, "name": p.name, "title": p.title, "email": p.email,
                  "phone": p.phone, "role": p.role, "influence": influence}
        account.data.setdefault("contacts", []).append(accounts.contact_record(values))
        return owner, subject("account", account_id, f"add contact {p.id}"), [account], "contact"

    def op_account_address(self, account_id: str, owner: str) -> tuple | None:
        account = self.rec("account", account_id)  # account set address=...
        if account.data.get("address"):
            return None  # known since `account add`
        n = sum(account_id.encode())  # stable across processes, unlike hash()
        region = account.data.get("region") or sorted(CITIES)[n % len(CITIES)]
        changes = {"address": street_address(region, n)}
        account.data.update(changes)
        return (owner, subject("account", account_id, f"set {describe(changes)[1]}"), [account],
                "set")

    def op_contact_set(self, account_id: str, owner: str, contact_id: str,
                       changes: dict[str, Any]) -> tuple:  # contact set
        account = self.rec("account", account_id)
        person = next(c for c in account.data["contacts"] if c["id"] == contact_id)
        person.update(changes)
        order = self.contact_order
        ordered = {k: person[k] for k in order if k in person}
        person.clear()
        person.update(ordered)
        summary = f"contact {contact_id}: set {describe(changes)[1]}"
        return owner, subject("account", account_id, summary), [account], "contact"

    def op_deal_add(self, data: dict[str, Any]) -> tuple:  # deal add
        summary = deals.added(self.pipe, data, self.account_roles(self.rec("account",
                                                                          data["account"])))
        deal = self.new("deal", dict(data))
        return data["owner"], subject("deal", deal.id, summary), [deal], "add"

    def op_set(self, deal_id: str, owner: str, changes: dict[str, Any]) -> tuple | None:
        deal = self.rec("deal", deal_id)  # deal set
        if deal.data["status"] != "open":
            return None  # the plan closed it first: nothing to set
        owner = deal.data["owner"]  # a handover is committed by the one handing over
        for key, value in changes.items():
            if key.startswith("next_step."):
                deal.data.setdefault("next_step", {})[key.split(".", 1)[1]] = value
            else:
                deal.data[key] = value
        return owner, subject("deal", deal_id, f"set {describe(changes)[1]}"), [deal], "set"

    def op_tick(self, deal_id: str, owner: str, stage_id: str, k: int) -> tuple | None:
        """`deal tick DEAL N`: the k-th item of the stage's checklist, while it is there."""
        deal = self.rec("deal", deal_id)
        if deal.data["status"] != "open" or deal.data.get("stage") != stage_id:
            return None
        stage = next((st for st in self.pipe.stages if st.id == stage_id), None)
        if stage is None or k >= len(stage.checklist):
            return None
        summary, _, _, now = deals.ticks(self.pipe, deal_id, self.model(deal), str(k + 1))
        if now is None:
            return None
        deal.data.setdefault("checklist", {})[stage_id] = now
        return deal.data["owner"], subject("deal", deal_id, summary), [deal], "tick"

    def op_next_step(self, deal_id: str, owner: str, action: str, days: int) -> tuple | None:
        due = self.now.date() + dt.timedelta(days=days)
        return self.op_set(deal_id, owner, {"next_step.action": action, "next_step.due": due})

    def op_set_value(self, deal_id: str, owner: str, _: None) -> tuple | None:
        total = self.items_total(self.rec("deal", deal_id).data.get("items") or [])
        if total == self.rec("deal", deal_id).data["value"]:
            return None
        return self.op_set(deal_id, owner, {"value": total})

    def op_log(self, kind: str, ident: str, owner: str, activity: dict[str, Any]) -> tuple:
        """`log TYPE TARGET SUMMARY [--outcome --status --with]`, as the record's owner."""
        from salescli.services.activity import logged
        from salescli.services.activity import reaches

        record = self.rec(kind, ident)
        owner = record.data.get("owner") or owner
        valkea = activity.get("evaluation") or {}
        act, summary = logged(activity["type"], activity["summary"], self.now.date(), owner,
                              outcome=activity.get("outcome"), status=activity.get("status"),
                              with_=activity.get("with") or (),
                              went_well=valkea.get("went_well"), improve=valkea.get("improve"),
                              today=self.now.date())
        record.data.setdefault("activities", []).append(act)
        if kind == "lead" and reaches(act):
            record.data.update(leads.first_contact(self.model(record), self.settings.lead_flow))
        return owner, subject(kind, ident, summary), [record], "log"

    def op_task_add(self, deal_id: str, owner: str, summary: str, days: int) -> tuple | None:
        """`task add DEAL SUMMARY --due +Nd`, while the deal is open."""
        from salescli.services.tasks import task_added

        deal = self.rec("deal", deal_id)
        if deal.data["status"] != "open":
            return None
        owner = deal.data["owner"]
        today = self.now.date()
        task, line = task_added(summary, today, today + dt.timedelta(days=days), owner)
        deal.data.setdefault("activities", []).append(task)
        return owner, subject("deal", deal_id, line), [deal], "task"

    def op_task_done(self, deal_id: str, summary: str) -> tuple | None:
        """`task done DEAL N`: the open task of that summary, done today."""
        from salescli.services.tasks import task_done

        deal = self.rec("deal", deal_id)
        acts = deal.data.get("activities") or []
        n = next((i for i, a in enumerate(acts, 1) if a["type"] == "task"
                  and a["summary"] == summary and a.get("done") is None), None)
        if n is None:
            return None
        _, line = task_done(self.model(deal).activities, "deal", deal_id, n)
        done = {**acts[n - 1], "done": self.now.date()}  # in the documented key order
        acts[n - 1] = {k: done[k] for k in self.activity_order if k in done}
        return deal.data["owner"], subject("deal", deal_id, line), [deal], "task"

    def op_stakeholder(self, deal_id: str, owner: str, contact_id: str,
                       role: str | None) -> tuple:  # deal stakeholder
        deal = self.rec("deal", deal_id)
        owner = deal.data["owner"]
        people = deal.data.get("stakeholders") or []
        deal.data["stakeholders"] = people
        mine = next((p for p in people if p["contact"] == contact_id), None)
        if mine is None:
            people.append({"contact": contact_id, **({"role": role} if role else {})})
        elif role:
            mine["role"] = role
        summary = deals.stakeholder_summary(contact_id, role)
        return owner, subject("deal", deal_id, summary), [deal], "stakeholder"

    def op_item_add(self, deal_id: str, owner: str, item: dict[str, Any],
                    approved_by: str | None) -> tuple:  # deal item add
        deal = self.rec("deal", deal_id)
        # an approval is recorded by the approver themselves (`--approved-by` as theirs)
        owner = approved_by or deal.data["owner"]
        deal.data.setdefault("items", []).append(dict(item))
        if approved_by:
            from salescli.core.approvals import approval_problem

            top = Decimal(str(deals.top_discount(deal.data)))
            problem = approval_problem(top, approved_by,
                                       self.settings.discount_approval_threshold,
                                       self.settings.approvers)
            if problem:  # the demo never writes an approval `deal approve` would refuse
                raise SalescliError(f"demo: {deal_id}: {problem}")
            deal.data["approved_by"] = approved_by
        summary = deals.item_summary(item["product"], item["quantity"])
        return owner, subject("deal", deal_id, summary), [deal], "item"

    def op_item_remove(self, deal_id: str, owner: str, index: int) -> tuple:
        deal = self.rec("deal", deal_id)  # deal item remove
        owner = deal.data["owner"]
        item = deal.data["items"].pop(index)
        return owner, subject("deal", deal_id, f"remove item {item['product']}"), [deal], "item"

    def op_quote(self, deal_id: str, owner: str) -> tuple | None:  # quote
        """`quote DEAL`, as the deal's owner: the next version of its quote, else a new
        number, written and recorded by the command's own code."""
        from salescli.core.quote import build_quote
        from salescli.services.documents import document_language
        from salescli.services.documents import quote_issued
        from salescli.services.documents import unchanged_quote

        deal = self.rec("deal", deal_id)
        owner = deal.data["owner"]
        d, account = self.model(deal), self.model(self.rec("account", deal.data["account"]))
        lang, person = document_language(self.settings, account), TEAM[owner][0]
        last = self.last_quote.get(deal_id)
        if unchanged_quote(self.repo, d, account, self.now.date(), lang,
                           lambda file: last[1] if last and last[0] == file else None, person):
            return None  # the command refuses: that quote is still valid and written
        quote = build_quote(d, account, self.products, self.settings, self.now.date(),
                            self.quote_numbers.values())
        if quote.version == 1:  # a new number: the year's latest, so its highest
            self.quote_numbers[quote.date.year] = quote.number
        doc = quote_issued(self.repo, d, account, quote, "md", lang, person)
        deal.data.setdefault("quotes", []).append(doc.ref)
        self.last_quote[deal_id] = (doc.ref["file"], doc.text.encode("utf-8"))
        return (owner, subject("deal", deal_id, doc.summary), [deal], "quote", None,
                [(doc.ref["file"], doc.text)])

    def op_requote(self, deal_id: str) -> tuple | None:
        """`quote DEAL` again when the latest quote has expired, as `quote accept` asks."""
        from salescli.core.quote import quote_status

        deal = self.rec("deal", deal_id)
        quotes = deal.data.get("quotes")
        if not quotes or quote_status(quotes[-1]["status"], quotes[-1]["date"], self.now.date(),
                                      self.settings.quote.validity_days) != "expired":
            return None
        return self.op_quote(deal_id, deal.data["owner"])

    def op_quote_accept(self, deal_id: str) -> tuple | None:
        """`quote accept DEAL`: the customer accepted the latest quote."""
        from salescli.services.quotes import decision

        deal = self.rec("deal", deal_id)
        if not deal.data.get("quotes"):
            return None
        made = decision(self.model(deal), None, "accepted", None, self.now.date(),
                        self.settings.quote.validity_days)
        made.apply(deal.data["quotes"])
        return (deal.data["owner"], subject("deal", deal_id, made.summary), [deal],
                "quote-accept")

    def op_move(self, deal_id: str, owner: str, target: str, reason: str | None) -> tuple:
        """`deal advance` to the next stage, or `deal move --reason` back to `target`,
        under the pipeline's rules."""
        deal = self.rec("deal", deal_id)
        owner = deal.data["owner"]
        summary, changes = deals.moved(self.pipe, deal_id, self.model(deal),
                                       target if reason else None, self.roles(deal), reason)
        deal.data.update(changes)
        return (owner, subject("deal", deal_id, summary), [deal], "move" if reason else "advance",
                reason)

    def op_win(self, deal_id: str, owner: str) -> tuple:  # deal win
        deal = self.rec("deal", deal_id)
        owner = deal.data["owner"]
        model = self.model(deal)
        summary, changes, _ = deals.won(self.pipe, deal_id, model, self.roles(deal),
                                        self.now.date(), self.settings.currency_of(model))
        deal.data.update(changes)
        return owner, subject("deal", deal_id, summary), [deal], "win"

    def op_lose(self, deal_id: str, owner: str, reason: str, note: str | None,
                revisit: dt.date | None) -> tuple:  # deal lose --reason --note --revisit
        deal = self.rec("deal", deal_id)
        owner = deal.data["owner"]
        choose(reason, self.settings.lost_reasons, "lost reason")
        summary, changes = deals.lost(self.pipe, deal_id, self.model(deal), self.roles(deal),
                                      reason, self.now.date(), note, revisit)
        deal.data.update(changes)
        return owner, subject("deal", deal_id, summary), [deal], "lose"

    def model(self, record: Record) -> Any:
        """The record as the rules see it: its validated model (of the text it is, where
        keys without a value are left out)."""
        from salescli.core.model import MODELS

        return MODELS[record.kind].model_validate(
            {k: v for k, v in record.data.items() if v is not None})

    def roles(self, deal: Record) -> Callable[[], dict[str, str | None]]:
        """The roles of the deal's account's contacts, for the rules that need them."""
        return self.account_roles(self.rec("account", deal.data["account"]))

    @staticmethod
    def account_roles(account: Record) -> Callable[[], dict[str, str | None]]:
        return lambda: {c["id"]: c.get("role") for c in account.data.get("contacts") or []}

    def configure(self, settings_text: str, pipeline_text: str, root: Path) -> None:
        """The settings, pipeline and price list the commands would read: the rules and
        prices hold by them. `root`: the new repository, where documents render as in it."""
        from types import SimpleNamespace

        from salescli.store.loader import parse_text
        from salescli.store.loader import raise_if_invalid

        parsed = parse_text("settings", "salescli.yaml", settings_text)
        raise_if_invalid(parsed)
        self.settings = parsed.model
        parsed = parse_text("pipeline", f"pipelines/{PRESET}.yaml", pipeline_text)
        raise_if_invalid(parsed)
        self.pipe = parsed.model
        parsed = parse_text("products", "products.yaml", products_text())
        raise_if_invalid(parsed)
        self.products = parsed.model
        # what the document services read of a repository (its work tree is empty until
        # the end: the shipped templates, as in a new repository)
        self.repo = SimpleNamespace(root=root, settings=self.settings, products=self.products)

    # -- money, as salescli.core.money computes it
    def items_total(self, items: list[dict[str, Any]]) -> Decimal:
        """The items' total for a year, as salescli.core.money prices them."""
        from salescli.core.model import Item
        from salescli.core.money import cents
        from salescli.core.money import item_total

        total = sum((item_total(Item.model_validate(i), self.products) for i in items),
                    Decimal(0))
        return cents(total)

    # -- writing
    def text(self, record: Record) -> str:
        return dump_record(record.data, self.order[record.kind], self.flow)

    def replay(self, out: DemoHistory, progress: Callable[[int, int], None] | None) -> None:
        events = sorted((e for e in self.events if e[0] <= self.end_dt),
                        key=lambda e: (e[0], e[1]))
        total = len(events)
        for n, (when, _, op, args) in enumerate(events):
            self.now = when
            result = op(*args)
            if result is None:
                continue
            owner, first_line, written, event, *rest = result
            reason = rest[0] if rest else None
            extra = rest[1] if len(rest) > 1 else []
            message = commit_message(first_line, event, reason=reason)
            files = [(r.path, self.text(r)) for r in written] + extra
            out.commit(owner, when, message, files)
            self.commits += 1
            if progress and n % 2000 == 0:
                progress(n, total)
        if progress:
            progress(total, total)


COMPANY = {"name": "Hubble Oy", "business_id": "2345678-9", "vat_number": "FI23456789",
           "address": {"street": "Kauppakatu 1", "postcode": "20100", "city": "Turku",
                       "country": "Finland"},
           "email": "sales@hubble.example", "phone": "+358 2 123 4567",
           "website": "https://hubble.example",
           "iban": "FI21 1234 5600 0007 85", "bic": "NDEAFIHH",
           "offering": "order-processing automation"}


def products_text() -> str:
    """The demo company's price list, in products.yaml's documented layout."""
    lines = ["# Price list: quotes and deal values take prices from here.",
             f"currency: {CURRENCY}", "products:"]
    for sku, name, unit, price, billing, tiers in PRODUCTS:
        lines += [f"  - sku: {sku}", f"    name: {name}", f"    unit: {unit}",
                  f"    unit_price: {price}", f"    tax_rate: {TAX_RATE}"]
        if billing != "one-time":
            lines.append(f"    billing: {billing}")
        if tiers:
            lines.append("    tiers:")
            lines += [f"      - {{min: {least}, unit_price: {p}}}" for least, p in tiers]
    return "\n".join(lines) + "\n"


def settings_with_company(text: str, deals: int = 300) -> str:
    """init's settings with the demo company filled in, as a user would edit them, and
    the team's goals (sized to the demo, so `report goals` shows some met, some not)."""
    for key, value in COMPANY.items():
        if isinstance(value, dict):
            value = "{" + ", ".join(f"{k}: {yaml_scalar(v)}" for k, v in value.items()) + "}"
        else:
            value = yaml_scalar(value)
        text = text.replace(f"\n  {key}: null", f"\n  {key}: {value}", 1)
    text += ("goals:\n"
             f"  - {{metric: won_value, period: month, target: {deals * 200}}}\n"
             f"  - {{metric: deals_won, period: quarter, target: {max(1, deals // 25)}}}\n"
             f"  - {{metric: meetings_held, period: week, target: {max(1, deals // 100)}}}\n"
             f"  - {{metric: new_leads, period: month, target: {max(1, deals // 60)}, "
             "owner: anna}\n")
    text += ("custom_fields:\n  deal:\n    competitor: {type: choice, choices: ["
             + ", ".join(COMPETITORS) + "]}\n")
    return text.replace("approvers: {}", "approvers: {anna: 30}", 1)


def custom_schemas(settings: str, files: dict[str, str]) -> list[tuple[str, str]]:
    """The JSON Schemas of `files` (init's) that the custom fields of `settings` change,
    as `schema --write` writes them: an editor completes the demo's `competitor`."""
    import json

    from salescli.core.model import json_schema
    from salescli.services.init import SCHEMA_DIR
    from salescli.store.loader import parse_blob
    from salescli.store.loader import raise_if_invalid

    parsed = parse_blob("settings", "salescli.yaml", settings.encode())
    raise_if_invalid(parsed)
    out = []
    for kind in KINDS:
        rel = f"{SCHEMA_DIR}/{kind}.schema.json"
        text = json.dumps(json_schema(kind, parsed.model), indent=2) + "\n"
        if files.get(rel) != text:
            out.append((rel, text))
    return out


# ------------------------------------------------------------------ git side


class DemoHistory:
    """The demo's commits, each by its team member at its moment, on the main branch."""

    def __init__(self, root: Path):
        from salescli.store.gitio import FastImport

        self.out = FastImport(root)

    def commit(self, owner: str, when: dt.datetime, message: str,
               files: list[tuple[str, str]]) -> None:
        ident = f"{TEAM[owner][0]} <{owner}@{MAIL}> {_epoch(when)} +0000"
        self.out.commit(BRANCH, ident, ident, message, files)

    def close(self) -> None:
        failed = self.out.close()
        if failed is not None:
            raise SalescliError(f"git fast-import failed: {failed}")


def refuse_target(target: Path) -> None:
    """A demo goes into a new or empty folder only: nothing of the user's is touched."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} exists and is not empty; choose a new directory "
                         "for the demo")


def build_demo(target: Path, deals: int = 300, seed: int = 1, end: dt.date | None = None,
               progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Create `target` as a pipeline repository with two years of history before `end`.

    Deterministic: the same `deals`, `seed` and `end` give the same HEAD commit (a
    date-time `end` counts by its own day).
    """
    from salescli.core.dates import day_of
    from salescli.services.init import init_files
    from salescli.store.gitio import git
    from salescli.store.hooks import register_merge_driver

    if deals < 1:
        raise UsageError("--deals must be at least 1")
    # yesterday by default: no event may lie later today than the moment reports run
    end = day_of(end) or dt.date.today() - dt.timedelta(days=1)
    refuse_target(target)
    existed = target.exists()
    demo = Demo(deals, seed, end)
    demo.plan()
    target.mkdir(parents=True, exist_ok=True)
    try:
        git(target, "init", "-q")
        git(target, "symbolic-ref", "HEAD", BRANCH)
        register_merge_driver(target)  # init_files' .gitattributes names it
        out = DemoHistory(target)
        try:
            # 1. what `salescli init` commits; 2. the company's own settings and prices
            files = init_files(target, PRESET, list(TEAM))
            settings = settings_with_company(files["salescli.yaml"], deals)
            demo.configure(settings, files[f"pipelines/{PRESET}.yaml"], target)
            start = dt.datetime.combine(demo.start, dt.time(8, 30))
            first = subject("repo", "demo", f"init with preset {PRESET}")
            out.commit("anna", start, commit_message(first, "init"), sorted(files.items()))
            out.commit("anna", start + dt.timedelta(minutes=40),
                       "Company details and price list\n",
                       [("salescli.yaml", settings),
                        ("products.yaml", products_text()),
                        *custom_schemas(settings, files)])
            demo.commits = 2
            demo.replay(out, progress)
        finally:
            out.close()
        git(target, "reset", "-q", "--hard")
    except BaseException:
        if existed:  # it was empty: leave it empty
            for child in target.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        else:
            shutil.rmtree(target, ignore_errors=True)
        raise
    summary = DemoSummary(target.resolve(), commits=demo.commits)
    for record in demo.records.values():
        if record.kind == "deal":
            summary.deals += 1
            status = record.data["status"]
            setattr(summary, status, getattr(summary, status) + 1)
        elif record.kind == "account":
            summary.accounts += 1
        else:
            summary.leads += 1
    return summary


def reports(root: Path, end: dt.date | None, warn: Callable[[str], None]
            ) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """The new repository's funnel and quarterly forecast, as `salescli report` gives
    them as of its last day (`end`, a date-time by its day; None: now), and how its
    tables show numbers; `warn` says what was left out. Reading its history warms the
    cache for the user's first report."""
    from salescli.core.dates import day_of
    from salescli.services.read import number_style
    from salescli.services.reports import report
    from salescli.store.repo import Repository

    repo = Repository(root)
    day = day_of(end)
    window = {"as_of": day and day.isoformat(), "since": None, "until": None,
              "pipeline": None, "owner": None, "source": None, "no_cache": False}
    return (report(repo, "funnel", window, warn),
            report(repo, "forecast", window, warn, by="quarter"), number_style(repo, warn))
