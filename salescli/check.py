"""`salescli check`: parse every file, then run the cross-file validators.

The flow is visible in `run_check`: load -> per-file findings -> validators ->
diagnostics with lines. Validators are plain functions `(Context) -> findings`
listed in VALIDATORS; nothing registers itself at import time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from salescli.diagnostics import Diagnostic, Finding, error, warning
from salescli.loader import Parsed, parse_file, to_diagnostic, walk_files
from salescli.repo import KIND_DIRS, MONTH_RE, PIPELINES_DIR, PRODUCTS_FILE, SETTINGS_FILE
from salescli.rules import describe_missing, known_requirement, missing_requirements


@dataclass
class Context:
    root: Path
    settings: Any = None
    products: Any = None
    pipelines: dict[str, Parsed] = field(default_factory=dict)
    records: dict[str, dict[str, Parsed]] = field(
        default_factory=lambda: {k: {} for k in KIND_DIRS}
    )
    files: list[Parsed] = field(default_factory=list)

    def models(self, kind: str) -> Iterator[tuple[Parsed, Any]]:
        for parsed in self.records[kind].values():
            if parsed.model is not None:
                yield parsed, parsed.model

    def account(self, account_id: str | None) -> Any:
        parsed = self.records["account"].get(account_id or "")
        return parsed.model if parsed else None


def load_context(root: Path) -> Context:
    ctx = Context(root)
    settings = parse_file(root, "settings", root / SETTINGS_FILE)
    ctx.files.append(settings)
    ctx.settings = settings.model
    if (root / PRODUCTS_FILE).exists():
        products = parse_file(root, "products", root / PRODUCTS_FILE)
        ctx.files.append(products)
        ctx.products = products.model
    for path in walk_files(root, PIPELINES_DIR):
        parsed = parse_file(root, "pipeline", path)
        ctx.files.append(parsed)
        ctx.pipelines[path.stem] = parsed
    for kind, folder in KIND_DIRS.items():
        for path in walk_files(root, folder):
            rel_parts = path.relative_to(root / folder).parts
            if len(rel_parts) != 2 or not MONTH_RE.match(rel_parts[0]) \
                    or path.suffix != ".yaml":
                # judged once it is where salescli reads records from
                rel = path.relative_to(root).as_posix()
                ctx.files.append(Parsed(kind, rel, findings=[error(
                    rel, "misplaced", f"{kind} files belong in {folder}/YYYY-MM/ID.yaml; "
                    "move it there")]))
                continue
            parsed = parse_file(root, kind, path)
            ctx.files.append(parsed)
            previous = ctx.records[kind].get(path.stem)
            if previous is not None:
                parsed.findings.append(error(
                    parsed.path, "duplicate-id",
                    f"{kind} ID `{path.stem}` is also used by {previous.path}; IDs are unique",
                ))
                continue
            ctx.records[kind][path.stem] = parsed
    return ctx


# ------------------------------------------------------------------ validators


@cache
def iso_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def _currency(path: str, code: Any, loc: tuple) -> Iterable[Finding]:
    if isinstance(code, str) and code not in iso_currencies():
        yield error(path, "currency", f"`{code}` is not an ISO 4217 currency code", loc)


def check_pipelines(ctx: Context) -> Iterable[Finding]:
    for name, parsed in ctx.pipelines.items():
        p = parsed.model
        if p is None:
            continue
        if p.name != name:
            yield error(parsed.path, "pipeline-name",
                        f"name `{p.name}` does not match the file name `{name}.yaml`", ("name",))
        seen: set[str] = set()
        previous = Decimal(0)
        for i, stage in enumerate(p.stages):
            if stage.id in seen:
                yield error(parsed.path, "duplicate-stage",
                            f"stage `{stage.id}` is defined twice", ("stages", i, "id"))
            seen.add(stage.id)
            if stage.probability < previous:
                yield error(parsed.path, "probability-order",
                            f"stage `{stage.id}` has probability {stage.probability}, lower than "
                            f"the stage before it ({previous}); probabilities never decrease",
                            ("stages", i, "probability"))
            previous = max(previous, stage.probability)
            for j, req in enumerate(stage.requires):
                if not known_requirement(req):
                    yield error(parsed.path, "unknown-requirement",
                                f"stage `{stage.id}` requires `{req}`, which is neither a deal "
                                "field nor decision_maker, quote, next_step or stakeholders",
                                ("stages", i, "requires", j))
        for end in ("won", "lost"):
            for j, req in enumerate(getattr(p, end).requires):
                if not known_requirement(req):
                    yield error(parsed.path, "unknown-requirement",
                                f"`{end}` requires `{req}`, which is not a deal field or predicate",
                                (end, "requires", j))
    s = ctx.settings
    if s is not None and s.default_pipeline not in ctx.pipelines:
        yield error(SETTINGS_FILE, "unknown-pipeline",
                    f"default_pipeline `{s.default_pipeline}` has no file "
                    f"{PIPELINES_DIR}/{s.default_pipeline}.yaml", ("default_pipeline",))


def check_currencies(ctx: Context) -> Iterable[Finding]:
    if ctx.settings is not None:
        yield from _currency(SETTINGS_FILE, ctx.settings.currency, ("currency",))
        for code in ctx.settings.fx:
            yield from _currency(SETTINGS_FILE, code, ("fx", code))
    if ctx.products is not None:
        yield from _currency(PRODUCTS_FILE, ctx.products.currency, ("currency",))
    for parsed, deal in ctx.models("deal"):
        yield from _currency(parsed.path, deal.currency, ("currency",))
        for i, q in enumerate(deal.quotes):
            yield from _currency(parsed.path, q.currency, ("quotes", i, "currency"))


def check_accounts(ctx: Context) -> Iterable[Finding]:
    accounts = ctx.records["account"]
    for parsed, account in ctx.models("account"):
        if account.parent is not None and account.parent not in accounts:
            yield error(parsed.path, "unknown-account",
                        f"parent account `{account.parent}` does not exist", ("parent",))
        ids = [c.id for c in account.contacts]
        for i, contact in enumerate(account.contacts):
            if ids.index(contact.id) != i:
                yield error(parsed.path, "duplicate-contact",
                            f"contact `{contact.id}` is listed twice", ("contacts", i, "id"))
            if contact.reports_to is not None and contact.reports_to not in ids:
                yield error(parsed.path, "unknown-contact",
                            f"contact `{contact.id}` reports to `{contact.reports_to}`, "
                            "who is not a contact of this account",
                            ("contacts", i, "reports_to"))
    # parent cycles: follow each chain; a chain that meets itself is a cycle
    parents = {aid: p.model.parent for aid, p in accounts.items() if p.model is not None}
    reported: set[str] = set()
    for start in sorted(parents):
        chain: list[str] = []
        node: str | None = start
        while node is not None and node in parents and node not in chain:
            chain.append(node)
            node = parents[node]
        if node is not None and node in chain and start == node and start not in reported:
            cycle = chain[chain.index(node):]
            reported.update(cycle)
            yield error(accounts[start].path, "parent-cycle",
                        "account hierarchy has a cycle: " + " -> ".join([*cycle, node]),
                        ("parent",))


def _in_settings(ctx: Context, attr: str) -> list[str] | None:
    values = getattr(ctx.settings, attr, None) if ctx.settings else None
    return list(values) if values else None


def check_deals(ctx: Context) -> Iterable[Finding]:
    s = ctx.settings
    threshold = s.discount_approval_threshold if s else Decimal(15)
    lost_reasons = _in_settings(ctx, "lost_reasons")
    owners = _in_settings(ctx, "owners")
    sources = _in_settings(ctx, "sources")
    skus = {p.sku for p in ctx.products.products} if ctx.products else None
    default_pipeline = s.default_pipeline if s else "default"
    for parsed, deal in ctx.models("deal"):
        path = parsed.path
        account = ctx.account(deal.account)
        if deal.account not in ctx.records["account"]:
            yield error(path, "unknown-account",
                        f"account `{deal.account}` does not exist; add it with "
                        "`salescli account add` or fix `account:`", ("account",))
        elif account is not None:
            contacts = {c.id for c in account.contacts}
            for i, sh in enumerate(deal.stakeholders):
                if sh.contact not in contacts:
                    yield error(path, "unknown-contact",
                                f"stakeholder `{sh.contact}` is not a contact of account "
                                f"`{deal.account}`", ("stakeholders", i, "contact"))
        pipeline_name = deal.pipeline or default_pipeline
        pparsed = ctx.pipelines.get(pipeline_name)
        pipeline = pparsed.model if pparsed else None
        if pparsed is None:
            yield error(path, "unknown-pipeline",
                        f"pipeline `{pipeline_name}` has no file "
                        f"{PIPELINES_DIR}/{pipeline_name}.yaml", ("pipeline",))
        stage = None
        if pipeline is not None and deal.stage is not None:
            stage = next((st for st in pipeline.stages if st.id == deal.stage), None)
            if stage is None:
                names = ", ".join(st.id for st in pipeline.stages)
                yield error(path, "unknown-stage",
                            f"stage `{deal.stage}` is not in pipeline `{pipeline_name}` "
                            f"({names})", ("stage",))
        if deal.status == "open":
            if deal.stage is None:
                yield error(path, "required", "an open deal needs a `stage`", ())
            if deal.close_date is None:
                yield error(path, "required",
                            "an open deal needs a `close_date` (the expected close date)", ())
            if stage is not None:
                # unknown names are reported once, on the pipeline file
                known = [r for r in stage.requires if known_requirement(r)]
                for name in missing_requirements(known, deal, account):
                    yield warning(path, "requirement",
                                  f"stage `{stage.id}` requires {describe_missing(name)}",
                                  ("stage",))
        if deal.status == "lost":
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
            end = getattr(pipeline, deal.status)
            for name in missing_requirements(end.requires, deal, account):
                if name != "lost_reason":
                    yield warning(path, "requirement",
                                  f"`{deal.status}` requires {describe_missing(name)}",
                                  ("status",))
        over = [i for i, item in enumerate(deal.items) if item.discount > threshold]
        if over and not deal.approved_by:
            yield error(path, "approval",
                        f"item discount over the {threshold}% approval threshold needs "
                        "`approved_by`", ("items", over[0], "discount"))
        for i, item in enumerate(deal.items):
            if item.product and skus is not None and item.product not in skus:
                yield error(path, "unknown-product",
                            f"product `{item.product}` is not in {PRODUCTS_FILE}",
                            ("items", i, "product"))
        if owners is not None and deal.owner and deal.owner not in owners:
            yield warning(path, "unknown-owner",
                          f"owner `{deal.owner}` is not in the settings' owners", ("owner",))
        if sources is not None and deal.source and deal.source not in sources:
            yield warning(path, "unknown-source",
                          f"source `{deal.source}` is not in the settings' sources", ("source",))


def check_leads(ctx: Context) -> Iterable[Finding]:
    reasons = _in_settings(ctx, "lead_disqualify_reasons")
    sources = _in_settings(ctx, "sources")
    for parsed, lead in ctx.models("lead"):
        path = parsed.path
        if lead.status == "disqualified":
            if not lead.disqualify_reason:
                yield error(path, "disqualify-reason",
                            "a disqualified lead needs a `disqualify_reason`"
                            + (f" (one of: {', '.join(reasons)})" if reasons else ""),
                            ("status",))
            elif reasons is not None and lead.disqualify_reason not in reasons:
                yield error(path, "disqualify-reason",
                            f"disqualify_reason `{lead.disqualify_reason}` is not one of: "
                            f"{', '.join(reasons)}", ("disqualify_reason",))
        if lead.converted is not None:
            if lead.converted.account not in ctx.records["account"]:
                yield error(path, "unknown-account",
                            f"converted to account `{lead.converted.account}`, which does not "
                            "exist", ("converted", "account"))
            if lead.converted.deal and lead.converted.deal not in ctx.records["deal"]:
                yield error(path, "unknown-deal",
                            f"converted to deal `{lead.converted.deal}`, which does not exist",
                            ("converted", "deal"))
        if sources is not None and lead.source and lead.source not in sources:
            yield warning(path, "unknown-source",
                          f"source `{lead.source}` is not in the settings' sources", ("source",))


def _norm_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return digits[-9:] if len(digits) >= 7 else ""  # compare national numbers


def _norm_domain(value: str) -> str:
    value = value.lower().strip()
    value = re.sub(r"^[a-z]+://", "", value).split("/")[0]
    return value.removeprefix("www.")


def check_duplicates(ctx: Context) -> Iterable[Finding]:
    """Probable duplicates across accounts and leads (seed 001: tax id, e-mail, phone)."""
    seen: dict[tuple[str, str], list[tuple[str, tuple]]] = defaultdict(list)

    def note(what: str, value: str | None, path: str, loc: tuple) -> None:
        if value:
            seen[(what, value)].append((path, loc))

    for parsed, a in ctx.models("account"):
        note("business_id", (a.business_id or "").replace(" ", "").upper(), parsed.path,
             ("business_id",))
        note("domain", _norm_domain(a.domain or ""), parsed.path, ("domain",))
        for i, c in enumerate(a.contacts):
            note("e-mail", (c.email or "").strip().lower(), parsed.path, ("contacts", i, "email"))
            note("phone", _norm_phone(c.phone or ""), parsed.path, ("contacts", i, "phone"))
    for parsed, lead in ctx.models("lead"):
        if lead.converted is not None:
            continue  # a converted lead shares its data with its account on purpose
        c = lead.contact
        if c is not None:
            note("e-mail", (c.email or "").strip().lower(), parsed.path, ("contact", "email"))
            note("phone", _norm_phone(c.phone or ""), parsed.path, ("contact", "phone"))
            if c.email and "@" in c.email:
                note("domain", _norm_domain(c.email.split("@", 1)[1]), parsed.path,
                     ("contact", "email"))
    for (what, value), places in sorted(seen.items()):
        files = sorted({p for p, _ in places})
        if len(files) < 2:
            continue
        for path, loc in places:
            others = ", ".join(f for f in files if f != path)
            yield warning(path, "duplicate",
                          f"probable duplicate: same {what} `{value}` as {others}", loc)


VALIDATORS: tuple[Callable[[Context], Iterable[Finding]], ...] = (
    check_pipelines,
    check_currencies,
    check_accounts,
    check_deals,
    check_leads,
    check_duplicates,
)


def run_check(root: Path) -> list[Diagnostic]:
    ctx = load_context(root)
    by_path = {p.path: p for p in ctx.files}
    findings: list[Finding] = [f for p in ctx.files for f in p.findings]
    for validator in VALIDATORS:
        findings.extend(validator(ctx))
    diagnostics = {
        to_diagnostic(f, by_path[f.path].text if f.path in by_path else None) for f in findings
    }
    return sorted(diagnostics)
