"""`salescli check`: every file parsed and validated, then the cross-file checks.

The flow, as `run_check` reads:

1. the configuration (settings, price list, pipelines) is parsed and checked;
2. accounts are parsed and checked, giving the account index (parents, contacts),
   and leads with them, since leads need only the list of IDs;
3. deals are parsed and checked against that index;
4. the checks across accounts and leads (hierarchy cycles, duplicates), done in
   this process while the workers check the deals.

Steps 2 and 3 run on every core for big repositories: each worker returns, per
chunk of files, only located diagnostics and a small summary (`Found`), never
whole records (pickling records back costs more than parsing them). Validators
are plain functions listed in the tuples below; nothing registers itself at import
time.
"""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from typing import NamedTuple

from msgspec import Struct
from msgspec import field

from salescli.core.diagnostics import Diagnostic
from salescli.core.diagnostics import Finding
from salescli.core.diagnostics import error
from salescli.core.diagnostics import warning
from salescli.core.duplicates import NUMBERED
from salescli.core.duplicates import DupKey
from salescli.core.duplicates import contact_emails
from salescli.core.duplicates import duplicate_keys
from salescli.core.duplicates import number_keys
from salescli.core.duplicates import repeated_emails
from salescli.core.ids import KINDS
from salescli.core.ids import WINDOWS_RESERVED
from salescli.core.ids import is_valid_id
from salescli.core.rules import bad_email
from salescli.core.rules import close_stage_problem
from salescli.core.rules import describe_missing
from salescli.core.rules import known_lead_requirement
from salescli.core.rules import known_requirement
from salescli.core.rules import lead_flow_problems
from salescli.core.rules import loop_closed
from salescli.core.rules import missing_requirements
from salescli.store.loader import Parsed
from salescli.store.loader import parse_file
from salescli.store.loader import read_text
from salescli.store.loader import to_diagnostic
from salescli.store.loader import walk_files
from salescli.store.repo import KIND_DIRS
from salescli.store.repo import MONTH_RE
from salescli.store.repo import PIPELINES_DIR
from salescli.store.repo import PRODUCTS_FILE
from salescli.store.repo import SETTINGS_FILE


class AccountInfo(NamedTuple):  # a tuple: workers send 10,000 of them back cheaply
    parent: str | None
    contacts: dict[str, str | None]  # contact id -> role


class Context(Struct):
    """What a record's validators may consult besides the record itself."""

    settings: Any = None
    products: Any = None
    pipelines: dict[str, Any] = field(default_factory=dict)
    # what a pipeline file says that its model does not hold: the files that cannot be
    # read at all, and every stage each lists (its own errors are the file's, reported
    # once, not every deal's as "no such pipeline" or "no such stage")
    unreadable: set[str] = field(default_factory=set)
    listed_stages: dict[str, set[str | None]] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)
    accounts: dict[str, AccountInfo] = field(default_factory=dict)

    lists: dict[str, list[str] | None] = field(default_factory=dict)
    customs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def take_pipelines(self, parsed_config: Iterable[Parsed]) -> None:
        """The pipelines of the parsed configuration files, as the records' checks see
        them."""
        for parsed in parsed_config:
            if parsed.kind != "pipeline":
                continue
            name = parsed.path.rsplit("/", 1)[-1].removesuffix(".yaml")
            if parsed.model is None:
                self.unreadable.add(name)
                continue
            self.pipelines[name] = parsed.model
            self.listed_stages[name] = set(written_stages(parsed))

    def custom(self, kind: str) -> dict[str, Any]:
        """The kind's custom fields declared in the settings (asked for every record)."""
        if kind not in self.customs:
            from salescli.core.custom import declared

            self.customs[kind] = declared(self.settings, kind)
        return self.customs[kind]

    def listed(self, attr: str) -> list[str] | None:
        """A settings list (owners, sources...), or None when unset: then anything goes."""
        if attr not in self.lists:  # asked for every record: worked out once
            values = getattr(self.settings, attr, None) if self.settings else None
            self.lists[attr] = list(values) if values else None
        return self.lists[attr]


class Found(Struct):
    """What checking some files found; workers return one per chunk of files."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    accounts: dict[str, AccountInfo] = field(default_factory=dict)
    account_paths: dict[str, str] = field(default_factory=dict)
    keys: list[tuple[str, DupKey]] = field(default_factory=list)  # (path, key): across_keys

    def add(self, other: Found) -> None:
        self.diagnostics += other.diagnostics
        self.accounts.update(other.accounts)
        self.account_paths.update(other.account_paths)
        self.keys += other.keys


# ------------------------------------------------------------------ helpers


@cache
def iso_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


# Codes in everyday use, all in babel's list (a test holds them to it): a record in one
# of these needs no babel, whose import and currency data cost about 5 ms a command.
COMMON_CURRENCIES = frozenset((
    "EUR", "USD", "GBP", "SEK", "NOK", "DKK", "ISK", "CHF", "PLN", "CZK", "HUF", "RON",
    "BGN", "JPY", "CNY", "INR", "CAD", "AUD", "NZD", "SGD", "HKD", "KRW", "BRL", "MXN",
    "ZAR", "TRY", "AED", "SAR", "ILS", "THB",
))


def is_currency(code: str) -> bool:
    """An ISO 4217 code (the common ones known without babel)."""
    return code in COMMON_CURRENCIES or code in iso_currencies()


def _currency(path: str, code: Any, loc: tuple) -> Iterable[Finding]:
    if isinstance(code, str) and not is_currency(code):
        yield error(path, "currency", f"`{code}` is not an ISO 4217 currency code", loc)


# ------------------------------------------------------------- configuration


def written_stages(parsed: Parsed) -> list[str | None]:
    """The `id` of every stage the pipeline file lists, valid or not (None where it has
    no text one): a stage with a bad value is left out of the model, not out of the file."""
    stages = parsed.data.get("stages") if isinstance(parsed.data, dict) else None
    return [s["id"] if isinstance(s, dict) and isinstance(s.get("id"), str) else None
            for s in (stages if isinstance(stages, list) else ())]


def check_pipeline(parsed: Parsed, ctx: Context) -> Iterable[Finding]:
    p, path = parsed.model, parsed.path
    name = path.rsplit("/", 1)[-1].removesuffix(".yaml")
    if p.name != name:
        yield error(path, "pipeline-name",
                    f"name `{p.name}` does not match the file name `{name}.yaml`", ("name",))
    written = written_stages(parsed)
    seen: set[str] = set()
    for k, stage_id in enumerate(written):  # the file's own: a stage with an error counts
        if isinstance(stage_id, str) and stage_id in seen:
            yield error(path, "duplicate-stage", f"stage `{stage_id}` is defined twice",
                        ("stages", k, "id"))
        seen.add(stage_id)
    # each valid stage's place in the file (the ones with errors are not in the model)
    places, k = [], 0
    for stage in p.stages:
        while k < len(written) and written[k] != stage.id:
            k += 1
        places.append(k if k < len(written) else len(places))
        k += 1
    previous = Decimal(0)
    for at, stage in zip(places, p.stages, strict=True):
        if stage.probability < previous:
            yield error(path, "probability-order",
                        f"stage `{stage.id}` has probability {stage.probability}, lower than "
                        f"the stage before it ({previous}); probabilities never decrease",
                        ("stages", at, "probability"))
        previous = max(previous, stage.probability)
        for j, req in enumerate(stage.requires):
            if not known_requirement(req):
                yield error(path, "unknown-requirement",
                            f"stage `{stage.id}` requires `{req}`, which is neither a deal "
                            "field nor decision_maker, quote, accepted_quote, next_step or "
                            "stakeholders",
                            ("stages", at, "requires", j))
    for end in ("won", "lost"):
        for j, req in enumerate(getattr(p, end).requires):
            if not known_requirement(req):
                yield error(path, "unknown-requirement",
                            f"`{end}` requires `{req}`, which is not a deal field or predicate",
                            (end, "requires", j))
        for j, stage_id in enumerate(getattr(p, end).from_ or []):
            if stage_id not in seen:
                yield error(path, "unknown-stage",
                            f"`{end}.from` names `{stage_id}`, which is not a stage of this "
                            f"pipeline ({', '.join(st.id for st in p.stages)})",
                            (end, "from", j))


def check_settings(parsed: Parsed, ctx: Context) -> Iterable[Finding]:
    s = parsed.model
    if s.default_pipeline not in ctx.pipelines and s.default_pipeline not in ctx.unreadable:
        yield error(parsed.path, "unknown-pipeline",
                    f"default_pipeline `{s.default_pipeline}` has no file "
                    f"{PIPELINES_DIR}/{s.default_pipeline}.yaml", ("default_pipeline",))
    yield from _currency(parsed.path, s.currency, ("currency",))
    from salescli.core.errors import SalescliError
    from salescli.core.l10n import check_locale

    try:  # documents refuse an unknown locale (tables fall back to en_US's numbers)
        check_locale(s.locale)
    except SalescliError as err:
        yield error(parsed.path, "unknown-locale",
                    str(err).removeprefix(f"{SETTINGS_FILE}: "), ("locale",))
    for status, rule in s.lead_flow.items():
        for j, req in enumerate(rule.requires):
            if not known_lead_requirement(req):
                yield error(parsed.path, "unknown-requirement",
                            f"lead_flow `{status}` requires `{req}`, which is neither a lead "
                            "field nor contact.FIELD (name, email, phone, title), nor such "
                            "names joined by `|` (one of them)",
                            ("lead_flow", status, "requires", j))
    for code in s.fx:
        yield from _currency(parsed.path, code, ("fx", code))
    # a custom field may not take the name of a field the kind has
    from salescli.core.model import key_order

    for kind in KINDS:
        builtin = set(key_order(kind))
        for name in getattr(s.custom_fields, kind):
            if name in builtin:
                yield error(parsed.path, "custom-field-clash",
                            f"custom field `{name}` of {kind} is already a {kind} field; "
                            "choose another name", ("custom_fields", kind, name), at_key=True)
    yield from _numbering(parsed.path, s)
    for who in s.approvers:  # an approver is someone `today --owner` and `approve` know
        if s.owners and who not in s.owners:
            yield warning(parsed.path, "unknown-owner",
                          f"approver `{who}` is not in the settings' owners", ("approvers", who))


def _numbering(path: str, s: Any) -> Iterable[Finding]:
    """A document numbering that cannot number its first document (an unknown field, a
    name no file may have; an invoice number without the 3 digits its Finnish reference
    number needs) is said now, not at the first quote, order or invoice."""
    from salescli.core.errors import SalescliError
    from salescli.core.invoice import reference_number
    from salescli.core.quote import format_number

    for key in ("quote", "order", "invoice"):
        setting = f"{key}.numbering"
        try:
            first = format_number(getattr(s, key).numbering, dt.date.today().year, 1,
                                  setting)
            if key == "invoice":
                reference_number(first)
        except SalescliError as err:
            yield error(path, "bad-numbering", str(err).removeprefix(f"{SETTINGS_FILE}: "),
                        (key, "numbering"))


def check_products(parsed: Parsed, ctx: Context) -> Iterable[Finding]:
    yield from _currency(parsed.path, parsed.model.currency, ("currency",))


# ------------------------------------------------------------------- records


def check_account(parsed: Parsed, ctx: Context) -> Iterable[Finding]:
    account, path = parsed.model, parsed.path
    if account.parent is not None and account.parent not in ctx.ids["account"]:
        yield error(path, "unknown-account",
                    f"parent account `{account.parent}` does not exist", ("parent",))
    ids = [c.id for c in account.contacts]
    for i, contact in enumerate(account.contacts):
        if ids.index(contact.id) != i:
            yield error(path, "duplicate-contact", f"contact `{contact.id}` is listed twice",
                        ("contacts", i, "id"))
        for loc, email in contact_emails(contact):
            if bad_email(email):
                yield warning(path, "email", f"contact `{contact.id}`'s {loc[0]} `{email}` is "
                              "not an e-mail address", ("contacts", i, *loc))
        if contact.reports_to is not None and contact.reports_to not in ids:
            yield error(path, "unknown-contact",
                        f"contact `{contact.id}` reports to `{contact.reports_to}`, "
                        "who is not a contact of this account", ("contacts", i, "reports_to"))
    for loc, email, earlier in repeated_emails(account.contacts):  # as across accounts
        yield warning(path, "duplicate", f"probable duplicate: same e-mail `{email}` as "
                      f"contact `{earlier}`", loc)
    boss = {c.id: c.reports_to for c in account.contacts}
    settled: set[str] = set()  # walked already: each contact once, however long the chart
    for contact in account.contacts:  # an org chart has no loop
        chain: dict[str, None] = {}
        up: str | None = contact.id
        while up is not None and up not in chain and up not in settled:
            chain[up] = None
            up = boss.get(up)
        settled.update(chain)
        if up is not None and up in chain:  # the walk came round: a loop, told once
            loop = list(chain)[list(chain).index(up):]
            yield error(path, "reports-to-cycle", "contacts report to each other: "
                        + " -> ".join([*loop, up]), ("contacts", ids.index(up), "reports_to"))
    yield from _met_with(path, account.activities, set(ids), f"account `{account.id}`")


def _met_with(path: str, activities: list[Any], contacts: set[str], whose: str
              ) -> Iterable[Finding]:
    """Warnings for the `with` of activities naming no contact of the account (a typo
    by hand, someone not added yet, a contact gone since): a warning, as history is
    what it is; `log --with` refuses such a name."""
    for i, activity in enumerate(activities):
        for j, who in enumerate(activity.with_):
            if who not in contacts:
                yield warning(path, "unknown-contact",
                              f"activity {i + 1} was with `{who}`, who is not a contact of "
                              f"{whose}; add them with `salescli contact add` or fix `with:`",
                              ("activities", i, "with", j))


# the deal field a named requirement reads
PREDICATE_FIELDS = {"decision_maker": "stakeholders", "quote": "quotes",
                    "accepted_quote": "quotes",
                    "stakeholders": "stakeholders", "next_step": "next_step"}


def check_deal(parsed: Parsed, ctx: Context) -> Iterable[Finding]:
    deal, path = parsed.model, parsed.path
    s = ctx.settings
    if s is None:  # unreadable settings (reported on their own): a deal meets the defaults
        from salescli.core.model import Settings

        s = Settings()
    info = ctx.accounts.get(deal.account)
    roles = info.contacts if info else {}
    if deal.account not in ctx.ids["account"]:
        yield error(path, "unknown-account",
                    f"account `{deal.account}` does not exist; add it with "
                    "`salescli account add` or fix `account:`", ("account",))
    elif info is not None:
        for i, sh in enumerate(deal.stakeholders):
            if sh.contact not in roles:
                yield error(path, "unknown-contact",
                            f"stakeholder `{sh.contact}` is not a contact of account "
                            f"`{deal.account}`", ("stakeholders", i, "contact"))
        yield from _met_with(path, deal.activities, set(roles), f"account `{deal.account}`")
    pipeline_name = s.pipeline_of(deal)
    pipeline = ctx.pipelines.get(pipeline_name)
    if pipeline_name not in ctx.pipelines and pipeline_name not in ctx.unreadable:
        yield error(path, "unknown-pipeline",
                    f"pipeline `{pipeline_name}` has no file {PIPELINES_DIR}/{pipeline_name}.yaml",
                    ("pipeline",))
    stage = None
    if pipeline is not None and deal.stage is not None:
        stage = next((st for st in pipeline.stages if st.id == deal.stage), None)
        if stage is None and deal.stage not in ctx.listed_stages.get(pipeline_name, ()):
            names = ", ".join(st.id for st in pipeline.stages)
            yield error(path, "unknown-stage",
                        f"stage `{deal.stage}` is not in pipeline `{pipeline_name}` ({names})",
                        ("stage",))
    # A key with a bad value is dropped from the model and has its schema error: it is
    # not also missing (`stage: Meeting` is no "needs a stage"), nor is a bad status open.
    written = parsed.data if isinstance(parsed.data, dict) else {}
    dropped = set(written) - deal.model_fields_set

    def unmet(requires: list[str]) -> list[str]:
        return [name for name in missing_requirements(requires, deal, roles)
                if PREDICATE_FIELDS.get(name, name) not in dropped]

    if deal.status == "open" and "status" not in dropped:
        if deal.stage is None and "stage" not in dropped:
            yield error(path, "required", "an open deal needs a `stage`")
        if deal.close_date is None and "close_date" not in dropped:
            yield error(path, "required",
                        "an open deal needs a `close_date` (the expected close date)")
        elif deal.close_date is not None and deal.created is not None \
                and deal.close_date < deal.created:  # `deal add` refuses it; a hand edit
            yield warning(path, "date-order", f"`close_date` {deal.close_date} is before the "
                          f"deal was created ({deal.created}): a year typed wrong?",
                          ("close_date",))
        if stage is not None:
            # unknown names are reported once, on the pipeline file
            for name in unmet([r for r in stage.requires if known_requirement(r)]):
                yield warning(path, "requirement",
                              f"stage `{stage.id}` requires {describe_missing(name, deal.id)}",
                              ("stage",))
    lost_reasons = ctx.listed("lost_reasons")
    if deal.status == "lost" and "lost_reason" not in dropped:
        if not deal.lost_reason:
            yield error(path, "lost-reason",
                        "a lost deal needs a `lost_reason`"
                        + (f" (one of: {', '.join(lost_reasons)})" if lost_reasons else ""),
                        ("status",))
        elif lost_reasons is not None and deal.lost_reason not in lost_reasons:
            yield error(path, "lost-reason",
                        f"lost_reason `{deal.lost_reason}` is not one of the settings' "
                        f"lost_reasons: {', '.join(lost_reasons)}", ("lost_reason",))
    if deal.status in ("won", "lost") and pipeline is not None:
        end = getattr(pipeline, deal.status).requires
        for name in unmet([r for r in end if known_requirement(r)]):
            if name != "lost_reason":  # reported above with the settings' reasons
                yield warning(path, "requirement",
                              f"`{deal.status}` requires {describe_missing(name, deal.id)}",
                              ("status",))
    yield from _lifecycle(path, deal, pipeline, dropped)
    # a discount awaiting approval is a state of the deal, not an error in its file;
    # an approval by someone who cannot approve is
    approvers = s.approvers
    if deal.approved_by and approvers and deal.status == "open" \
            and deal.approved_by not in approvers:
        yield error(path, "approval",
                    f"approved_by `{deal.approved_by}` is not one of the settings' approvers "
                    f"({', '.join(approvers)}); an approver runs `salescli deal approve "
                    f"{deal.id}`", ("approved_by",))
    skus = {p.sku for p in ctx.products.products} if ctx.products else None
    for i, item in enumerate(deal.items):
        if item.product and skus is not None and item.product not in skus:
            yield error(path, "unknown-product",
                        f"product `{item.product}` is not in {PRODUCTS_FILE}",
                        ("items", i, "product"))
    yield from _currency(path, deal.currency, ("currency",))
    for i, q in enumerate(deal.quotes):
        yield from _currency(path, q.currency, ("quotes", i, "currency"))
    for i, o in enumerate(deal.orders):
        yield from _currency(path, o.currency, ("orders", i, "currency"))
    yield from _listed(ctx, path, "owners", "owner", deal.owner)
    yield from _listed(ctx, path, "sources", "source", deal.source)


# the day each closed status records (`deal reopen` clears it)
CLOSE_DATES = {"won": "won_date", "lost": "lost_date"}


def _lifecycle(path: str, deal: Any, pipeline: Any, dropped: set[str]) -> Iterable[Finding]:
    """A deal's status, stage and closing dates must tell one story."""
    if "status" in dropped:
        return
    for status, key in CLOSE_DATES.items():
        if deal.status == status and getattr(deal, key) is None and key not in dropped:
            yield error(path, key.replace("_", "-"),
                        f"a {status} deal needs a `{key}` (the day it was {status}; "
                        f"`salescli deal {'win' if status == 'won' else 'lose'} --date` "
                        "records it)", ("status",))
        day = getattr(deal, key)
        if day is not None and deal.created is not None and day < deal.created:
            yield error(path, "date-order",
                        f"`{key}` {day} is before the deal was created ({deal.created})",
                        (key,))
        if day is not None and deal.status != status:
            yield warning(path, "status-fields",
                          f"`{key}` on a{'n' if deal.status == 'open' else ''} "
                          f"{deal.status} deal: remove it, or set the status the date "
                          "belongs to", (key,))
    if deal.status in CLOSE_DATES and pipeline is not None and "stage" not in dropped:
        problem = close_stage_problem(pipeline, deal.stage, deal.status)
        if problem:
            yield warning(path, "lifecycle", f"{deal.status} in stage `{deal.stage}`, but "
                          f"{problem}", ("stage",))


def _listed(ctx: Context, path: str, attr: str, key: str, value: str | None) -> Iterable[Finding]:
    allowed = ctx.listed(attr)
    if allowed is not None and value and value not in allowed:
        yield warning(path, f"unknown-{key}", f"{key} `{value}` is not in the settings' {attr}",
                      (key,))


def check_lead(parsed: Parsed, ctx: Context) -> Iterable[Finding]:
    lead, path = parsed.model, parsed.path
    reasons = ctx.listed("lead_disqualify_reasons")
    if lead.status == "disqualified":
        if not lead.disqualify_reason:
            yield error(path, "disqualify-reason",
                        "a disqualified lead needs a `disqualify_reason`"
                        + (f" (one of: {', '.join(reasons)})" if reasons else ""), ("status",))
        elif reasons is not None and lead.disqualify_reason not in reasons:
            yield error(path, "disqualify-reason",
                        f"disqualify_reason `{lead.disqualify_reason}` is not one of: "
                        f"{', '.join(reasons)}", ("disqualify_reason",))
    if lead.contact is not None and bad_email(lead.contact.email):
        yield warning(path, "email", f"contact.email `{lead.contact.email}` is not an e-mail "
                      "address", ("contact", "email"))
    flow = ctx.settings.lead_flow if ctx.settings else {}
    if lead.status in ("contacted", "qualified"):
        missing = lead_flow_problems(flow, lead.model_copy(update={"status": "new"}),
                                     lead.status)
        if missing:
            yield warning(path, "requirement",
                          f"a {lead.status} lead needs "
                          f"{', '.join(' or '.join(n.split('|')) for n in missing)} "
                          "(the settings' lead_flow)", ("status",))
    if lead.converted is not None:
        if lead.converted.account not in ctx.ids["account"]:
            yield error(path, "unknown-account",
                        f"converted to account `{lead.converted.account}`, which does not exist",
                        ("converted", "account"))
        if lead.converted.deal and lead.converted.deal not in ctx.ids["deal"]:
            yield error(path, "unknown-deal",
                        f"converted to deal `{lead.converted.deal}`, which does not exist",
                        ("converted", "deal"))
    yield from _listed(ctx, path, "sources", "source", lead.source)


def check_custom(parsed: Parsed, ctx: Context) -> Iterable[Finding]:
    """The record's custom fields (salescli.yaml `custom_fields`) hold values of their type."""
    from salescli.core.custom import problem

    extra = parsed.model.model_extra
    if not extra:
        return
    for name, field_ in ctx.custom(parsed.kind).items():
        if name in extra:
            why = problem(field_, extra[name])
            if why:
                yield error(parsed.path, "custom-field",
                            f"`{name}`: {why}, not {_shown(extra[name])}", (name,))


def _custom_hint(f: Finding, custom: dict[str, Any]) -> Finding:
    """An unknown top-level key with no did-you-mean, given one among the custom fields."""
    if f.code != "unknown-key" or len(f.loc) != 1 or "did you mean" in f.message:
        return f
    from msgspec.structs import replace

    from salescli.core.words import nearest

    guess = nearest(str(f.loc[0]), custom)
    return replace(f, message=f"{f.message}; did you mean `{guess}`?") if guess else f


def _shown(value: Any) -> str:
    from salescli.core.record import quoted

    return quoted(value) if isinstance(value, str) else f"`{value}`"


VALIDATORS: dict[str, tuple[Callable[[Parsed, Context], Iterable[Finding]], ...]] = {
    "settings": (check_settings,),
    "products": (check_products,),
    "pipeline": (check_pipeline,),
    "account": (check_account, check_custom),
    "deal": (check_deal, check_custom),
    "lead": (check_lead, check_custom),
}


def validate(parsed: Parsed, ctx: Context) -> list[Finding]:
    """A parsed file's own findings, then its kind's validators (if it has a model)."""
    findings = list(parsed.findings)
    custom = ctx.custom(parsed.kind) if parsed.kind in KIND_DIRS else {}
    if custom:  # a declared custom field is no unknown key; a typo of one is told so
        findings = [_custom_hint(f, custom) for f in findings
                    if not (f.code == "unknown-key" and len(f.loc) == 1 and f.loc[0] in custom)]
    if parsed.model is not None:
        for validator in VALIDATORS[parsed.kind]:
            findings.extend(validator(parsed, ctx))
    return findings


def check_file(root: str, kind: str, rel: str, ctx: Context, found: Found) -> Parsed:
    """Parse one file and run its kind's validators; diagnostics come out located."""
    # a declared custom field is no unknown key: no did-you-mean is looked for
    parsed = parse_file(root, kind, rel, ctx.custom(kind) if kind in KIND_DIRS else ())
    findings = validate(parsed, ctx)
    if findings:
        found.diagnostics += [to_diagnostic(f, parsed.text) for f in findings]
    m = parsed.model
    if m is not None and kind == "deal" and m.invoices:  # parsed here: not read again
        found.diagnostics += invoice_problems(root, rel, m.id, invoice_refs(m))
    if m is not None:
        found.keys += [(rel, k) for k in across_keys(kind, m)]
    if m is not None and kind == "account":
        stem = rel.rsplit("/", 1)[-1][:-5]
        found.accounts[stem] = AccountInfo(m.parent, {c.id: c.role for c in m.contacts})
        found.account_paths[stem] = rel
    return parsed


def across_keys(kind: str, model: Any) -> list[DupKey]:
    """What of a record the checks across files compare (`duplicate_groups`): an
    account's or lead's values that may reveal a duplicate, a deal's document numbers."""
    return number_keys(model) if kind == "deal" else duplicate_keys(kind, model)


# ------------------------------------------------------------ running it all

def _check_many(root: str, jobs: dict[str, list[str]], ctx: Context,
                meanwhile: Callable[[], None] = lambda: None) -> Found:
    """Check the files of several kinds, on every core when there are many.

    `meanwhile` runs in this process while the workers check.
    """
    from salescli.store.runtime import chunked

    def check(kind: str, rels: list[str]) -> Found:
        found = Found()
        for rel in rels:
            check_file(root, kind, rel, ctx, found)
        return found

    found = Found()
    with chunked(check, jobs.items()) as parts:
        meanwhile()
        for part in parts:
            found.add(part)
    return found


def _fold(rel: str) -> str:
    """A path as a case- and normalisation-insensitive file system sees it."""
    return rel.lower() if rel.isascii() else unicodedata.normalize("NFC", rel).casefold()


# the codes `_record_files` gives a file for its place or name (`misfiled`, and across
# the folder: names folding to one, IDs used twice)
FILE_CODES = ("path-collision", "symlink", "misplaced", "invalid-id", "duplicate-id")


def misfiled(kind: str, rel: str) -> Diagnostic | None:
    """What is wrong with where a record file is or what it is called, on its own (a
    folder link, not `FOLDER/YYYY-MM/ID.yaml`, a name that is no ID); None if nothing."""
    folder = KIND_DIRS[kind]
    parts = rel.split("/")
    if not rel.endswith((".yaml", ".yml")):  # walk_files reports folder symlinks
        return Diagnostic(rel, 1, 1, "error", "symlink", "is a symbolic link; records and "
                          "their folders must be regular files and folders")
    if len(parts) != 3 or not MONTH_RE.match(parts[1]) or not rel.endswith(".yaml"):
        return Diagnostic(rel, 1, 1, "error", "misplaced",
                          f"{kind} files belong in {folder}/YYYY-MM/ID.yaml; move it there")
    stem = parts[2].removesuffix(".yaml")
    if not is_valid_id(stem):
        why = (f"is a device name on Windows ({stem.upper()}), where the file could not "
               "be checked out" if stem in WINDOWS_RESERVED
               else "is not a valid ID (a-z, 0-9 and '-', at most 64 characters)")
        return Diagnostic(rel, 1, 1, "error", "invalid-id",
                          f"file name `{stem}` {why}; rename the file and its `id:`")
    return None


def _record_files(root: str, kind: str, ctx: Context, out: list[Diagnostic],
                  listed: tuple[bool, list[str]] | None = None) -> list[str]:
    """The kind's record files; misplaced and duplicate-ID files are reported, not read.

    `listed` is (the folder is a symbolic link, its files as walk_files lists them) of a
    tree that is not on disk (git's index, for `check --staged`).
    """
    folder = KIND_DIRS[kind]
    rels: list[str] = []
    first: dict[str, str] = {}
    if listed[0] if listed else os.path.islink(os.path.join(root, folder)):
        ctx.ids[kind] = set()
        out.append(Diagnostic(folder, 1, 1, "error", "symlink",
                              "is a symbolic link; record folders must be real folders"))
        return rels
    files = listed[1] if listed else walk_files(root, folder)
    # macOS and Windows file systems fold case (and macOS Unicode normalisation):
    # two such names are one file there, so a clone would keep only one of them.
    # The one that is a valid ID is kept; the others are reported and not read.
    folds = {rel: _fold(rel) for rel in files}
    folded: dict[str, str] = {}
    if len(set(folds.values())) < len(folds):  # rare: pay for the ordering only then
        for rel in sorted(files, key=lambda r: not is_valid_id(r.rsplit("/", 1)[-1][:-5])):
            folded.setdefault(folds[rel], rel)
    for rel in files:
        kept = folded.get(folds[rel], rel)
        if kept != rel:
            out.append(Diagnostic(rel, 1, 1, "error", "path-collision",
                                  f"`{rel}` and `{kept}` differ only by case or Unicode "
                                  "normalisation, so they are one file on macOS and Windows; "
                                  "rename one"))
            continue
        wrong = misfiled(kind, rel)
        if wrong is not None:
            out.append(wrong)
            continue
        stem = rel.rsplit("/", 1)[-1].removesuffix(".yaml")
        if stem in first:
            out.append(Diagnostic(rel, 1, 1, "error", "duplicate-id",
                                  f"{kind} ID `{stem}` is also used by {first[stem]}; "
                                  "IDs are unique"))
            continue
        first[stem] = rel
        rels.append(rel)
    ctx.ids[kind] = set(first)
    return rels


def _document_links(root: str, links: list[str] | None = None) -> list[Diagnostic]:
    """Symbolic links among the document folders and their contents (`links`: as
    checkcache.document_tree found them), never followed."""
    if links is None:
        from salescli.services.checkcache import document_tree

        links = document_tree(root)[1]
    return [Diagnostic(rel, 1, 1, "error", "symlink",
                       "is a symbolic link; documents and templates must be real folders "
                       "and files inside the repository") for rel in links]


def invoice_edits(root_s: str, keys: dict[str, str | None],
                  memo: Path | None = None) -> list[Diagnostic]:
    """Issued invoices are immutable: every document a deal's `invoices:` records must be
    there with the content its `sha256` names. Run on every check, never cached with
    the records: editing an invoice changes no record file. (A check that parses every
    deal asks `invoice_problems` of each instead.)

    `keys` (each deal file check reads -> its stat key, None for one changed this
    instant) lets `memo` keep which invoices each deal records by that key, so only
    the deal files changed since are read (reading all 10,000 to look for `invoices:`
    cost 0.18 s)."""
    from salescli.services.staged import _load
    from salescli.services.staged import _save

    saved = _load(memo, "deals").get("deals", {}) if memo is not None else {}
    kept: dict[str, tuple] = {}
    out = []
    for rel, key in keys.items():
        hit = saved.get(rel)
        if key is not None and hit is not None and hit[0] == key:
            deal_id, refs = hit[1], hit[2]
        else:
            deal_id, refs = _recorded_invoices(root_s, rel)
        if key is not None:
            kept[rel] = (key, deal_id, refs)
        if refs:
            out += invoice_problems(root_s, rel, deal_id, refs)
    if memo is not None and kept != saved:
        _save(memo, {"deals": kept})
    return out


def _recorded_invoices(root_s: str, rel: str) -> tuple[str, tuple]:
    """(the deal's ID, `invoice_refs`) of the deal file `rel`; none if it records none,
    or cannot be read (check reports that file as such)."""
    from salescli.store.loader import parse_text

    # a regular file's, never blocking on a FIFO a file was replaced by
    text = read_text(os.path.join(root_s, rel), rel, [])
    if text is None or "invoices:" not in text:
        return "", ()  # most deals have no invoice: not parsed
    deal = parse_text("deal", rel, text).model
    return ("", ()) if deal is None else (deal.id, invoice_refs(deal))


def invoice_refs(deal: Any) -> tuple[tuple[str, str, str], ...]:
    """(number, file, sha256) of each invoice the deal records."""
    return tuple((ref.number, ref.file, ref.sha256) for ref in deal.invoices)


def invoice_problems(root_s: str, rel: str, deal_id: str,
                     refs: Iterable[tuple[str, str, str]]) -> list[Diagnostic]:
    """The invoices (`invoice_refs`) the deal at `rel` records that are missing or
    changed since issued."""
    import hashlib

    out = []
    for number, ref_file, sha256 in refs:
        fix = (f"an issued invoice is never changed: restore it from git, and to correct "
               f"it issue a credit note and a new invoice (`salescli invoice {deal_id} "
               f"--credit {number}`)")
        file = os.path.normpath(ref_file).replace(os.sep, "/")
        full = os.path.join(root_s, file)
        if file.startswith("../") or os.path.isabs(file) or not os.path.isfile(full):
            out.append(Diagnostic(ref_file, 1, 1, "error", "invoice-edited",
                                  f"invoice {number} recorded in {rel} is missing; "
                                  f"{fix}"))
            continue
        with open(full, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        if digest != sha256:
            out.append(Diagnostic(file, 1, 1, "error", "invoice-edited",
                                  f"invoice {number} was changed after it was issued "
                                  f"(its sha256 in {rel} no longer matches); {fix}"))
    return out


def invoice_edit(rel: str, status: str) -> Diagnostic:
    """The error for a commit that changes (M, T) or deletes (D) the issued invoice `rel`."""
    what = "deletes" if status == "D" else "changes"
    return Diagnostic(rel, 1, 1, "error", "invoice-edited",
                      f"this commit {what} an issued invoice; an invoice is never changed: "
                      f"restore it (`git restore --staged --worktree {rel}`) and correct it "
                      "with a credit note and a new invoice "
                      "(`salescli invoice DEAL --credit NUMBER`)")


def run_check(root: Path) -> list[Diagnostic]:
    from salescli.store.runtime import gc_paused

    with gc_paused():
        return _run_check(os.fspath(root))


def _run_check(root_s: str) -> list[Diagnostic]:
    ctx = Context()
    out: list[Diagnostic] = []

    # 1. configuration: parsed first, since every record is checked against it
    config: list[tuple[str, str]] = [("settings", SETTINGS_FILE)]
    if os.path.exists(os.path.join(root_s, PRODUCTS_FILE)):
        config.append(("products", PRODUCTS_FILE))
    config += [("pipeline", rel) for rel in walk_files(root_s, PIPELINES_DIR)]
    parsed_config = [parse_file(root_s, kind, rel) for kind, rel in config]
    ctx.take_pipelines(parsed_config)
    ctx.settings = parsed_config[0].model
    ctx.products = next((p.model for p in parsed_config if p.kind == "products"), None)
    rels = {kind: _record_files(root_s, kind, ctx, out) for kind in KIND_DIRS}
    out += _document_links(root_s)  # the invoices: as each deal is checked
    for parsed in parsed_config:
        out.extend(to_diagnostic(f, parsed.text) for f in validate(parsed, ctx))

    # 2. accounts, which deals are checked against, with the leads (which need only
    # the IDs); 3. the deals
    found = _check_many(root_s, {"account": rels["account"], "lead": rels["lead"]}, ctx)
    ctx.accounts = found.accounts

    texts: dict[str, str | None] = {}

    def located(findings: Iterable[Finding]) -> None:
        for f in findings:
            if f.path not in texts:
                texts[f.path] = read_text(os.path.join(root_s, f.path), f.path, [])
            out.append(to_diagnostic(f, texts[f.path]))

    def across() -> None:  # 4. checks across accounts and leads, while the deals are checked
        located(check_hierarchy(found.accounts, found.account_paths))
        located(check_duplicates(found.keys))

    deals = _check_many(root_s, {"deal": rels["deal"]}, ctx, meanwhile=across)
    located(check_duplicates(deals.keys))  # and across deals: document numbers given twice
    out += deals.diagnostics
    out += found.diagnostics
    return sorted(set(out))


def check_hierarchy(accounts: dict[str, AccountInfo], paths: dict[str, str]
                    ) -> Iterable[Finding]:
    """Account parents must not form a cycle."""
    reported: set[str] = set()
    for start in sorted(accounts):
        chain: list[str] = []
        node: str | None = start
        while node is not None and node in accounts and node not in chain:
            chain.append(node)
            node = accounts[node].parent
        if node == start and start not in reported:
            reported.update(chain)
            yield error(paths[start], "parent-cycle",
                        "account hierarchy has a cycle: " + " -> ".join([*chain, start]),
                        ("parent",))


def check_duplicates(keys: list[tuple[str, DupKey]]) -> list[Finding]:
    """Probable duplicates across accounts and leads, and document numbers given to
    two deals (`across_keys`): same value, different files."""
    return [f for _, f in duplicate_groups(keys)]


def duplicate_groups(keys: list[tuple[str, DupKey]]
                     ) -> list[tuple[tuple[str, str], Finding]]:
    """check_duplicates' findings, each with the (what, value) it is about: the findings
    of a value depend on the keys of that value alone."""
    seen: dict[tuple[str, str], list[tuple[str, tuple]]] = defaultdict(list)
    for path, (what, value, loc) in keys:
        seen[(what, value)].append((path, loc))
    out = []
    # nearly every value is unique: look at the shared ones only, in a stable order
    shared = sorted(k for k, places in seen.items() if len(places) > 1)
    for what, value in shared:
        places = seen[(what, value)]
        files = sorted({p for p, _ in places})
        if len(files) < 2:
            continue
        if what in NUMBERED:
            out += [((what, value), f) for f in _given_twice(what, value, places, files)]
            continue
        for path, loc in places:
            others = ", ".join(f for f in files if f != path)
            out.append(((what, value), warning(
                path, "duplicate", f"probable duplicate: same {what} `{value}` as {others}",
                loc)))
    return out


def _given_twice(what: str, value: str, places: list[tuple[str, tuple]], files: list[str]
                 ) -> list[Finding]:
    """A quote or order number recorded on several deals (two branches each numbered
    one): an error on each deal but the first, at its first entry of the number."""
    key = NUMBERED[what]
    command = "quote make" if key == "quotes" else "order"
    out = []
    for path in files[1:]:
        deal = path.rsplit("/", 1)[-1].removesuffix(".yaml")
        loc = min(loc for p, loc in places if p == path)
        out.append(error(
            path, "duplicate-number",
            f"{what} `{value}` is also recorded on {files[0]}: a number is given once; "
            f"renumber this deal's: remove its `{key}:` entries of that number and their "
            f"files under {key}/{deal}/, then `salescli {command} {deal}` gives the next "
            "free number", loc))
    return out


# --------------------------------------------------------- one record, for commands


def _references(kind: str, model: Any) -> dict[str, set[str]]:
    if kind == "deal":
        return {"account": {model.account}}
    if kind == "lead" and model.converted is not None:
        return {"account": {model.converted.account}, "deal": {model.converted.deal or ""}}
    if kind == "account" and model.parent:
        return {"account": {model.parent}}
    return {}


def record_errors(repo: Any, kind: str, rel: str, model: Any) -> list[Finding]:
    """The errors `check` would report for one record, reading only what it refers to.

    Commands run this before writing, so nothing they commit fails `check`.
    """
    from salescli.store.loader import Parsed

    ctx = Context(settings=repo.settings, products=repo.products)
    for path in repo.pipeline_paths():
        try:
            ctx.pipelines[path.stem] = repo.pipeline(path.stem)
        except Exception:  # a broken pipeline file is check's business, not this record's
            ctx.unreadable.add(path.stem)  # (and no "has no file" of it here)
            continue
    ctx.ids = {k: set() for k in KIND_DIRS}
    for ref_kind, ids in _references(kind, model).items():
        for ref in ids:
            try:
                path = repo.find(ref_kind, ref)
            except Exception:
                continue
            ctx.ids[ref_kind].add(ref)
            if ref_kind == "account":
                account = parse_file(repo.root, "account", path).model
                if account is not None:
                    ctx.accounts[ref] = AccountInfo(
                        account.parent, {c.id: c.role for c in account.contacts})
    findings = validate(Parsed(kind, rel, model=model), ctx)
    if kind == "account":
        findings += _account_links(repo, rel, model)
    return [f for f in findings if f.severity == "error"]


def _parent_of(index: Any) -> Callable[[str], str | None]:
    """An account's parent, as the record index has it (None: none, or no such account)."""
    def up(account_id: str) -> str | None:
        rows = index.query("SELECT parent FROM accounts WHERE id = ?", (account_id,))
        return rows[0][0] if rows else None

    return up


def parent_cycle(repo: Any, account_id: str, parent: str) -> list[str] | None:
    """The chain `account -> parent -> ... -> account` that making `parent` the
    account's parent would close, or None."""
    from salescli.services.read import records_index

    with records_index(repo, ("account",), lambda _: None) as index:
        return loop_closed(account_id, parent, _parent_of(index))


def _account_links(repo: Any, rel: str, account: Any) -> list[Finding]:
    """What a new version of an account breaks in the others, as `check` would say it:
    a new parent that closes a cycle; a contact taken out that one of its deals names
    as a stakeholder. (The record index still has the version before.)"""
    from salescli.services.read import records_index

    found = []
    with records_index(repo, ("account", "deal"), lambda _: None) as index:
        up = _parent_of(index)
        # the parent it had: a cycle there is no news of this edit
        cycle = None if up(account.id) == account.parent else \
            loop_closed(account.id, account.parent, up)
        if cycle:
            found.append(error(rel, "parent-cycle", "the account hierarchy would have a "
                               "cycle: " + " -> ".join(cycle), ("parent",)))
        had = {r[0] for r in index.query("SELECT id FROM contacts WHERE account_id = ?",
                                         (account.id,))}
        named = index.query(
            "SELECT d.id, json_extract(s.value, '$.contact') FROM deals d "
            "JOIN records r ON r.path = d.path, json_each(r.json, '$.stakeholders') s "
            "WHERE d.account_id = ? ORDER BY d.id", (account.id,)) if had else []
    gone = had - {c.id for c in account.contacts}
    for deal_id, contact in named:
        if contact in gone:
            found.append(error(rel, "unknown-contact", f"contact `{contact}` is a "
                               f"stakeholder of deal {deal_id}; remove them there first "
                               f"(salescli deal stakeholder {deal_id} {contact} --remove)",
                               ("contacts",)))
    return found


def _approvals_by_others(root: Path, approvals: list[tuple]) -> list[tuple]:
    """An `approved_by` is the approver's own word: one written by a commit whose
    author is someone else (as `deal approve` maps a git identity to an owner ID)."""
    from salescli.core.approvals import identity_names
    from salescli.store.gitio import commit_authors

    authors = commit_authors(root, sorted({a[2] for a in approvals}))
    out = []
    for path, deal, commit, when, who in approvals:
        name, email = authors.get(commit, ("", ""))
        if who not in identity_names(name, email):
            day = dt.datetime.fromtimestamp(when, dt.UTC).date()
            out.append((path, when, Diagnostic(
                path, 1, 1, "warning", "history",
                f"commit {commit[:7]} ({day}): deal {deal} approved_by `{who}` written by "
                f"{name} <{email}>, not by {who}")))
    return out


def history_diagnostics(root: Path, git_dir: Path, use_cache: bool = True, rev: str = "HEAD",
                        commits: set[str] | None = None) -> list[Diagnostic]:
    """Stage and status changes in history that broke the pipeline's rules (hand edits
    included): skips, moves back and reopens without a reason, closes from a stage the
    pipeline does not close from.

    Warnings, not errors: history cannot be changed, only known. Each names the
    commit, the deal and the stages. `commits` limits them to a range's commits.
    """
    from salescli.core.commitmsg import parse_message
    from salescli.core.rules import transition_problem
    from salescli.store.gitio import commit_messages
    from salescli.store.history import load_history
    from salescli.store.loader import load_config

    settings = load_config(root, "settings", SETTINGS_FILE)
    pipelines: dict[str, Any] = {}
    for rel in walk_files(os.fspath(root), PIPELINES_DIR):
        try:
            pipelines[rel.rsplit("/", 1)[-1][:-5]] = load_config(root, "pipeline", rel)
        except Exception:  # reported by the file checks; history is checked without it
            continue
    candidates = []
    closes = []  # (path, when, deal, commit, problem) of deals won or lost where they may not
    reopens = []  # (path, when, deal, commit, old status): a reopen needs a reason
    approvals = []  # (path, deal, commit, time, approved_by) each time someone wrote one
    history = load_history(root, rev, kinds=("deal",), use_cache=use_cache)
    from salescli.core.reports import switches

    for tl in history.timelines:
        switched = switches(tl, settings.default_pipeline)
        for when, commit, name, old, new, counted in tl.changes:
            if commits is not None and commit not in commits:
                continue
            if name == "approved_by" and counted and new:
                approvals.append((tl.path, tl.id, commit, when, new))
            if name not in ("stage", "status") or not counted or old is None or new is None:
                continue
            state = tl.state(when)
            pipe = pipelines.get(state.get("pipeline") or settings.default_pipeline)
            if pipe is None:
                continue
            if name == "stage":
                if commit not in switched:  # into another pipeline: no move within one
                    candidates.append((tl.path, tl.id, commit, when, pipe, old, new))
            elif new == "open" and old in ("won", "lost"):
                reopens.append((tl.path, when, tl.id, commit, old))
            elif old == "open" and new in ("won", "lost"):
                problem = close_stage_problem(pipe, state.get("stage"), new)
                if problem:
                    closes.append((tl.path, when, tl.id, commit,
                                   f"{new} in stage `{state.get('stage')}`, but {problem}"))
    backward = [c[2] for c in candidates
                if transition_problem(c[4], c[5], c[6], has_reason=False)
                and transition_problem(c[4], c[5], c[6], has_reason=True) is None]
    messages = commit_messages(root, sorted({*backward, *(r[3] for r in reopens)}))
    closes += [(path, when, deal, commit,
                f"reopened ({old}) without a recorded reason (use `deal reopen --reason`)")
               for path, when, deal, commit, old in reopens
               if parse_message(messages.get(commit, "")).reason is None]
    out = [(path, when, Diagnostic(
        path, 1, 1, "warning", "history",
        f"commit {commit[:7]} ({dt.datetime.fromtimestamp(when, dt.UTC).date()}): "
        f"deal {deal} {problem}")) for path, when, deal, commit, problem in closes]
    for path, deal, commit, when, pipe, old, new in candidates:
        reason = parse_message(messages.get(commit, "")).reason is not None
        problem = transition_problem(pipe, old, new, reason)
        if problem:
            day = dt.datetime.fromtimestamp(when, dt.UTC).date()
            out.append((path, when, Diagnostic(
                path, 1, 1, "warning", "history",
                f"commit {commit[:7]} ({day}): deal {deal} {problem}")))
    out += _approvals_by_others(root, approvals)
    return [d for _, _, d in sorted(out, key=lambda o: o[:2])]  # by deal, then in time
