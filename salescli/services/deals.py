"""Deals: `deal add|set|advance|move|win|lose|reopen|stakeholder|item`, each one
load -> rule check -> edit -> commit (salescli.services.edit.Session).

Every operation takes the repository and the `Options` of the change, raises a
SalescliError naming what is wrong (nothing written), and returns the finished
Session (its `sha`, `unchanged` and `summary` say what was recorded).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING
from typing import Any

from salescli.core.errors import RecordNotFound
from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.services.options import COMMIT
from salescli.services.options import Options

INF = float("inf")

if TYPE_CHECKING:
    from salescli.services.edit import Session

MONEY_FIELDS = ("value", "unit_price")
# changed only by the commands that apply the pipeline's rules
RULED_FIELDS = {"id": "it is the file name", "stage": "use `deal advance` or `deal move`",
                "pipeline": "use `deal move ID STAGE --pipeline NAME` (a stage of it)",
                "status": "use `deal win`, `deal lose` or `deal reopen`",
                "won_date": "use `deal win --date`", "lost_date": "use `deal lose --date`"}


# ------------------------------------------------------------------ rules


def refuse(problems: list[str], what: str) -> None:
    """Refuse `what` for the rules' problems, all of them on one line."""
    if problems:
        raise SalescliError(f"cannot {what}: " + "; ".join(problems))


def known_stage(pipe: Any, target: str, what: str) -> Any:
    """The stage `target` of the pipeline; a stage it does not have is a usage error."""
    from salescli.core.rules import unknown_stage

    problem = unknown_stage(pipe, target)
    if problem:
        raise UsageError(f"cannot {what}: {problem}")
    return next(s for s in pipe.stages if s.id == target)


def roles(repo: Any, account_id: str) -> dict[str, str | None]:
    """The roles of the account's contacts (a deal's buyers), by contact ID."""
    account = repo.load("account", account_id)
    return {c.id: c.role for c in account.contacts}


def pipeline_of(repo: Any, deal: Any) -> Any:
    return repo.pipeline(repo.settings.pipeline_of(deal))


def check_currency(code: str | None) -> None:
    """A `--currency` that is no ISO 4217 code is a usage error: checked before anything
    is read, not as the new record's finding (`XYZ`, `eur`)."""
    if code is None:
        return
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise UsageError(f"--currency {code!r}: expected a 3-letter code such as EUR")
    from salescli.services.check import is_currency

    if not is_currency(code):
        raise UsageError(f"--currency {code}: not an ISO 4217 currency code")


def reason(value: str | None) -> str | None:
    """A `--reason` as the commit will record it (one line); one of blanks or line
    breaks would pass the move rules yet record nothing, so it is refused."""
    from salescli.core.commitmsg import reason_text

    if value is not None and reason_text(value) is None:
        raise UsageError("--reason is empty: say why, in words")
    return reason_text(value)


# the statuses of the deals each kind of command takes (shell completion offers those):
# a move or a close takes an open deal (core/rules.py), a reopen a closed one
OPEN = ("open",)
CLOSED = ("won", "lost")
# what a won or lost deal holds of its close (`deal reopen` clears them)
CLOSE_FIELDS = ("won_date", "lost_date", "lost_reason", "lost_note", "revisit")


def closing(status: str, day: dt.date, why: str | None = None, note: str | None = None,
            revisit: dt.date | None = None) -> dict[str, Any]:
    """What a close writes (`deal win`, `deal lose`, an import's won or lost row): the
    status and its day, and a loss's reason, note and day to come back."""
    if status == "won":
        return {"status": "won", "won_date": day}
    changes: dict[str, Any] = {"status": "lost", "lost_date": day, "lost_reason": why}
    if note:
        changes["lost_note"] = note
    if revisit:
        changes["revisit"] = revisit
    return changes


def after_last_move(s: Any, d: Any, date: Any, what: str) -> None:
    """A move or close dated back (`--date`) before the deal's last one is recorded as
    asked, with a note: history counts changes in commit order, so the funnel, `report
    changes` and `review` count it when it is committed, `report lost`, `cycle` and
    the forecast's won rows on its won_date or lost_date."""
    from salescli.core.dates import day_of
    from salescli.store.history import stage_entered

    day = day_of(date)
    if day is None:
        return
    closed = d.won_date or d.lost_date
    try:
        entered = stage_entered(s.repo.root).get(d.id)
    except SalescliError:  # a shallow clone: its history says nothing sure
        entered = None
    if closed and day < closed:
        last = f"it was {d.status} on {closed}"
    elif entered and day < entered:
        last = f"it entered `{d.stage}` on {entered}"
    else:
        return
    counted = ("; report lost, cycle and the forecast's won rows by its date"
               if what in ("the win", "the loss") else "")
    s.notes.append(f"{what} dated {day}, but {last}: history keeps changes in commit "
                   f"order, so the funnel, report changes and review count this one now"
                   f"{counted}")


def stage_names(repo: Any, prefix: str = "") -> list[str]:
    """The stages of every pipeline starting with `prefix` (shell completion)."""
    return [s.id for path in repo.pipeline_paths()
            for s in repo.pipeline(path.stem).stages if s.id.startswith(prefix)]


# The rule step of each change, shared by the commands (through a Session) and the
# demo (on its own records): the deal as a model, the roles of its account's contacts
# when a rule needs them (`roles()`), and back (the commit summary, the changes).
Roles = Callable[[], Mapping[str, str | None]]


def added(pipe: Any, data: Mapping[str, Any], roles: Roles, what: str = "") -> str:
    """`deal add`: the new deal (`data`, as it will be written) may start in its stage
    only with what that stage requires; `what` names the refusal (default: `add the
    deal in STAGE`). Returns the commit summary."""
    from salescli.core.model import Deal
    from salescli.core.rules import move_problems

    target = data["stage"]
    given = {k: v for k, v in data.items() if v is not None}
    draft = Deal.model_validate({**given, "stage": None})
    refuse(move_problems(pipe, draft, target, roles()), what or f"add the deal in `{target}`")
    return f"add in {target}"


def moved(pipe: Any, deal_id: str, deal: Any, target: str | None, roles: Roles,
          why: str | None = None) -> tuple[str, dict[str, Any]]:
    """`deal move` to `target`, or `deal advance` (`target` None: the next stage), under
    the pipeline's skip and backward rules and what the stage requires."""
    from salescli.core.rules import move_problems
    from salescli.core.rules import stage_index

    if target is None:  # advance: the next stage
        here = stage_index(pipe, deal.stage)
        if here is None:  # renamed or removed since: no "next" to guess
            raise SalescliError(
                f"cannot advance {deal_id}: its stage `{deal.stage}` is not in pipeline "
                f"`{pipe.name}` ({', '.join(s.id for s in pipe.stages)}); put it in one with "
                f"`salescli deal move {deal_id} STAGE`")
        if here + 1 >= len(pipe.stages):
            raise SalescliError(f"cannot advance {deal_id}: `{deal.stage}` is the last stage; "
                                f"win it with `salescli deal win {deal_id}`")
        target = pipe.stages[here + 1].id
    known_stage(pipe, target, f"move {deal_id} to `{target}`")
    refuse(move_problems(pipe, deal, target, roles(), why), f"move {deal_id} to `{target}`")
    return f"{deal.stage} -> {target}", {"stage": target}


def switched(pipe: Any, deal_id: str, deal: Any, here: str, target: str, roles: Roles
             ) -> tuple[str, dict[str, Any]]:
    """`deal move --pipeline`: into stage `target` of another pipeline, as a deal added
    there would start in it (what every stage up to it requires must hold; no skip or
    backward rule: the stages of two pipelines have no order between them)."""
    from salescli.core.rules import move_problems

    what = f"move {deal_id} to `{target}` of pipeline `{pipe.name}`"
    known_stage(pipe, target, what)
    refuse(move_problems(pipe, deal.model_copy(update={"stage": None}), target, roles()), what)
    return (f"pipeline {here} -> {pipe.name}, {deal.stage} -> {target}",
            {"pipeline": pipe.name, "stage": target})


def won(pipe: Any, deal_id: str, deal: Any, roles: Roles, day: dt.date, currency: str,
        value: Decimal | None = None) -> tuple[str, dict[str, Any], Any]:
    """`deal win` on `day`, if the pipeline lets the deal close won: at `value` when
    given, else at the accepted quote's total excluding VAT (what the customer agreed to
    pay) when it is in the deal's `currency`, else at the deal's own value. Returns the
    summary, the changes and the accepted quote the value came from (or None)."""
    from salescli.core.quote import accepted_quote
    from salescli.core.quote import quoted_value
    from salescli.core.rules import close_problems

    refuse(close_problems(pipe, deal, "won", roles()), f"win {deal_id}")
    changes = closing("won", day)
    accepted = accepted_quote(deal) if value is None else None
    if value is not None:
        changes["value"] = value
    elif (quoted := quoted_value(accepted, currency)) is not None:
        changes["value"] = quoted
    else:
        accepted = None
    return "won", changes, accepted


def lost(pipe: Any, deal_id: str, deal: Any, roles: Roles, why: str, day: dt.date,
         note: str | None = None, revisit: dt.date | None = None
         ) -> tuple[str, dict[str, Any]]:
    """`deal lose` on `day` for the reason `why` (one of the settings' lost_reasons)."""
    from salescli.core.rules import close_problems

    refuse(close_problems(pipe, deal.model_copy(update={"lost_reason": why}), "lost", roles()),
           f"lose {deal_id}")
    return f"lost ({why})", closing("lost", day, why, note, revisit)


def edited(repo: Any, deal_id: str, before: Any, after: Any) -> None:
    """`deal edit`: a stage or status changed by hand is held to the rules of `deal
    move`, `win`, `lose` and `reopen` (which also record a reason where one is needed)."""
    from salescli.core.rules import change_problems

    problems = change_problems(pipeline_of(repo, after), before, after,
                               roles(repo, after.account) if after.account else {})
    if problems:
        raise SalescliError(f"cannot edit {deal_id}: " + "; ".join(problems)
                            + "; use `salescli deal move`, `win`, `lose` or `reopen` "
                            "instead; nothing changed")


def approver(repo: Any, discount: Decimal, what: str) -> str:
    """The owner ID of the git identity running the command, if it is one of the
    settings' approvers and its limit covers `discount`; else refuse `what`."""
    from salescli.core.approvals import identity_names
    from salescli.core.approvals import who_of
    from salescli.services.edit import identity

    approvers = repo.settings.approvers
    if not approvers:
        raise SalescliError(f"cannot {what}: there are no approvers; list them in "
                            "salescli.yaml as owner IDs with the largest discount each may "
                            "approve, e.g. `approvers: {ville: 30}`")
    name, email = identity(repo)
    me = who_of(identity_names(name, email), approvers)
    listed = ", ".join(f"{k} (up to {v}%)" for k, v in approvers.items())
    if me is None:
        raise SalescliError(f"cannot {what}: you ({name} <{email}>) are not one of the "
                            f"approvers: {listed}")
    if approvers[me] < discount:
        raise SalescliError(f"cannot {what}: the {discount}% discount is over your "
                            f"approval limit of {approvers[me]}%; approvers: {listed}")
    return me


def own_approval(repo: Any, deal_id: str, name: str, discount: Decimal, typed: str) -> None:
    """Refuse to record `name`'s approval of `discount` unless `name` is the approver
    running the command (`approver`): an approval is recorded by the approver
    themselves. `typed` spells the option, `--approved-by {}` or `approved_by={}`."""
    me = approver(repo, discount, f"record {name}'s approval")
    if me != name:
        raise SalescliError(f"{typed.format(name)}: you are {me}; an approval is recorded by "
                            f"the approver themselves ({typed.format(me)}, or {name} runs "
                            f"`salescli deal approve {deal_id}`)")


def item_summary(what: str, quantity: Any) -> str:
    return f"item {what} x {quantity}"


def stakeholder_summary(contact_id: str, role: str | None, remove: bool = False) -> str:
    return (f"stakeholder {contact_id} removed" if remove
            else f"stakeholder {contact_id}" + (f" ({role})" if role else ""))


# ----------------------------------------------------------------- views

# the largest item discount of each deal, as a listing's extra column
TOP_DISCOUNT = (", (SELECT max(i.discount) FROM items i WHERE i.deal_id = t.id) "
                "AS top_discount")


def valued(record: dict[str, Any], value: float | None) -> dict[str, Any]:
    """A deal's record as JSON prints it: without a `value` of its own, the items'
    total `value` (its index row's), as every other output and report counts it."""
    if record.get("value") is None and value is not None:
        return {**record, "value": value}
    return record


def valued_rows(rows: list[Any]) -> list[Any]:
    """Listing rows (with a `json` column) whose record JSON is `valued`; only the few
    deals priced by their items are decoded."""
    import json

    out = []
    for row in rows:
        text = row["json"]
        if row["value"] is not None and '"value":null' in text:  # (compact: record_json)
            text = json.dumps(valued(json.loads(text), row["value"]), ensure_ascii=False)
        out.append({"json": text})
    return out


def top_discount(d: Mapping[str, Any]) -> Any:
    """The largest discount of a deal's items, as its data has them (0 without)."""
    return max((i.get("discount") or 0 for i in d.get("items") or []), default=0)


def awaiting(repo: Any, status: str | None, discount: Any, approved_by: str | None
             ) -> str | None:
    """Why an open deal whose largest discount is `discount` awaits approval, or None;
    the threshold and approvers come from the plain configuration (no validation)."""
    from salescli.core.approvals import approval_problem
    from salescli.store.config import config_of

    if status != "open" or not discount:
        return None
    config = config_of(repo, lambda _: None)  # a broken pipeline is warned of elsewhere
    return approval_problem(Decimal(str(discount)), approved_by, config.approval_threshold,
                            config.approvers)


def checklist_rows(repo: Any, d: Mapping[str, Any], pipeline: str | None) -> list[dict]:
    """The checklist of the deal's stage with what is ticked, as `deal show` lists it
    (# as `deal tick` takes it); none for a closed deal or a stage without one."""
    from salescli.store.config import config_of

    if d.get("status") != "open" or not d.get("stage"):
        return []
    config = config_of(repo, lambda _: None)  # a broken pipeline is `check`'s to report
    items = config.checklists.get(config.pipeline_or_default(pipeline), {}).get(d["stage"], [])
    ticked = set((d.get("checklist") or {}).get(d["stage"]) or [])
    return [{"#": n, "done": "x" if item in ticked else "", "item": item}
            for n, item in enumerate(items, 1)]


# --------------------------------------------------------------- changes


def close_day(close_date: str | dt.date | None, created: dt.date | None, why: str,
              name: str = "--close-date") -> dt.date:
    """A deal's expected close date (`name`: the option or field it is given as): given
    (`why` says why it is needed), and not before the day the deal is created (a typo of
    the year, mostly)."""
    from salescli.core.dates import day_of

    due = day_of(close_date, name)
    if due is None:
        raise UsageError(f"{name} is required: {why}")
    if created is not None and due < created:
        raise UsageError(f"{name} {due} is before the deal is created ({created}); "
                         "give the day you expect it to close")
    return due


def add(repo: Any, title: str, account_id: str, *, value: Decimal | None = None,
        close_date: dt.date | None = None, deal_id: str | None = None,
        pipeline: str | None = None, stage: str | None = None, source: str | None = None,
        owner: str | None = None, currency: str | None = None, force: bool = False,
        opts: Options = COMMIT) -> tuple[Session, str, str]:
    """`deal add`: a deal in the first stage of its pipeline (or `stage`), checked
    against what that stage requires; returns (the change, its ID, its stage)."""
    from salescli.core.ids import slugify
    from salescli.services.edit import choose
    from salescli.services.edit import default_owner
    from salescli.services.edit import name_twins
    from salescli.services.edit import new_id
    from salescli.services.edit import probable_duplicate
    from salescli.services.edit import refuse_duplicate
    from salescli.services.edit import today

    settings = repo.settings
    repo.find("account", account_id)
    record_id = new_id(repo, "deal", title, deal_id)
    if not force:
        # one account may well have a closed deal, or another's deal, of the same title
        refuse_duplicate(probable_duplicate(
            {"title": (slugify(title), title)},
            ((f"open deal {d.id} of account {account_id}", {"title": slugify(d.title)})
             for d in name_twins(repo, "deal", title, "; to add it anyway, use --force")
             if d.account == account_id and d.status == "open")))
    pipe = repo.pipeline(pipeline)
    target = stage if stage is not None else pipe.stages[0].id
    known_stage(pipe, target, f"add the deal in `{target}`")
    created = today(opts.date)
    check_currency(currency)
    due = close_day(close_date, created, "an open deal needs an expected close date")
    data = {
        "id": record_id, "title": title, "account": account_id,
        "pipeline": pipe.name, "stage": target, "status": "open", "value": value,
        "currency": currency or settings.currency, "close_date": due,
        "owner": choose(owner, settings.owners, "owner") or default_owner(repo),
        "source": choose(source, settings.sources, "source"), "created": created,
    }
    summary = added(pipe, data, lambda: roles(repo, account_id))
    with opts.session(repo, "deal", record_id, "add", summary=summary) as s:
        s.create("deal", record_id, data, created)
    return s, record_id, target


def set_fields(repo: Any, deal_id: str, assignments: tuple[str, ...],
               opts: Options = COMMIT) -> tuple[Session, str]:
    """`deal set FIELD=VALUE...`; returns (the change, `k=v, ...` for the user)."""
    from salescli.core.dates import day_of
    from salescli.core.model import Deal
    from salescli.core.model import NextStep
    from salescli.core.money import parse_money
    from salescli.services.edit import assignments_for
    from salescli.services.edit import check_listed
    from salescli.services.edit import custom_fields
    from salescli.services.edit import describe

    changes = assignments_for(assignments, "a deal", Deal, RULED_FIELDS,
                              {"next_step": NextStep}, lambda: custom_fields(repo, "deal"))
    for key in MONEY_FIELDS:
        if key in changes:
            value = changes[key]
            if value in (INF, -INF):  # `1e400`, too large for a float: refused as typed
                value = dict(a.partition("=")[::2] for a in assignments)[key]
            changes[key] = parse_money(value, key)
    summary, subject = describe(changes)
    with opts.session(repo, "deal", deal_id, "set", summary=f"set {subject}") as s:
        check_listed(changes, s.repo.settings)
        record = s.load("deal", deal_id)
        if changes.keys() & {"close_date", "created"}:  # the two as they will be
            close = changes.get("close_date", record.model.close_date)
            created = day_of(changes.get("created", record.model.created), "created")
            if close is not None:  # `close_date=` clears it
                close_day(close, created, "", "close_date")
        named = changes.get("approved_by")
        if named is not None and named in s.repo.settings.approvers:  # (else check's error)
            from salescli.core.rules import largest_discount

            own_approval(s.repo, deal_id, named, largest_discount(record.model),
                         "approved_by={}")
        s.set(record, changes, given=True)
    return s, summary


def move(repo: Any, deal_id: str, target: str | None, why: str | None = None,
         opts: Options = COMMIT, pipeline: str | None = None) -> Session:
    """`deal move` to `target`, or `deal advance` to the next stage (`target` None),
    under the pipeline's skip and backward rules and what the stage requires; with
    `pipeline`, to stage `target` of that pipeline."""
    event = "advance" if target is None else "move"
    with opts.session(repo, "deal", deal_id, event) as s:
        record = s.load("deal", deal_id)
        d = record.model
        here = s.repo.settings.pipeline_of(d)
        if pipeline is not None and pipeline != here and target is not None:
            s.summary, changes = switched(s.repo.pipeline(pipeline), deal_id, d, here,
                                          target, lambda: roles(s.repo, d.account))
        else:
            s.summary, changes = moved(pipeline_of(s.repo, d), deal_id, d, target,
                                       lambda: roles(s.repo, d.account), why)
        after_last_move(s, d, opts.date, "the move")
        s.reason = why
        s.set(record, changes)
    return s


def win(repo: Any, deal_id: str, opts: Options = COMMIT,
        value: Decimal | None = None) -> tuple[Session, str | None]:
    """`deal win`: won on the day of `--date` (else today), if the pipeline allows.

    The won value is `value` when given, else the accepted quote's total excluding VAT
    (what the customer agreed to pay), else the deal's own; returns (the change, where a
    new value came from, for the output line)."""
    from salescli.core.l10n import money
    from salescli.services.edit import today

    with opts.session(repo, "deal", deal_id, "win", summary="won") as s:
        record = s.load("deal", deal_id)
        d = record.model
        currency = s.repo.settings.currency_of(d)
        _, changes, accepted = won(pipeline_of(s.repo, d), deal_id, d,
                                   lambda: roles(s.repo, d.account), today(opts.date),
                                   currency, value)
        after_last_move(s, d, opts.date, "the win")
        source = None
        if "value" in changes:
            shown = money(changes["value"], currency, s.repo.settings.locale)
            source = f"value {shown} from --value" if accepted is None else (
                f"value {shown}: accepted quote {accepted.number} v{accepted.version}, "
                "excl. VAT")
        s.set(record, changes)
    return s, source


def lose(repo: Any, deal_id: str, why: str, note: str | None = None,
         revisit: dt.date | None = None, opts: Options = COMMIT) -> Session:
    """`deal lose`: lost for one of the settings' lost_reasons."""
    from salescli.core.dates import day_of
    from salescli.services.edit import choose
    from salescli.services.edit import today

    revisit_date = day_of(revisit)
    with opts.session(repo, "deal", deal_id, "lose", summary=f"lost ({why})") as s:
        choose(why, s.repo.settings.lost_reasons, "lost reason")
        record = s.load("deal", deal_id)
        d = record.model
        _, changes = lost(pipeline_of(s.repo, d), deal_id, d, lambda: roles(s.repo, d.account), why,
                          today(opts.date), note, revisit_date)
        after_last_move(s, d, opts.date, "the loss")
        s.set(record, changes)
    return s


def reopen(repo: Any, deal_id: str, why: str, stage: str | None = None,
           opts: Options = COMMIT, close_date: str | dt.date | None = None,
           warn: Callable[[str], None] = lambda _: None) -> tuple[Session, str]:
    """`deal reopen`: a won or lost deal open again in its last stage (or `stage`,
    under the rules of `deal move`), expected to close on `close_date` if given, else
    on the day it had (`warn` says when that day has passed); returns (the change, the
    stage)."""
    from salescli.core.rules import describe_missing
    from salescli.core.rules import missing_requirements
    from salescli.core.rules import move_problems
    from salescli.services.edit import today

    with opts.session(repo, "deal", deal_id, "reopen") as s:
        record = s.load("deal", deal_id)
        d = record.model
        if d.status not in CLOSED:
            raise SalescliError(f"cannot reopen {deal_id}: it is {d.status}")
        pipe = pipeline_of(s.repo, d)
        target = stage if stage is not None else d.stage or pipe.stages[0].id
        entering = known_stage(pipe, target, f"reopen {deal_id} into `{target}`")
        known = roles(s.repo, d.account)
        if target != d.stage:
            # into another stage: the pipeline's rules for moving from its last stage
            # (skipping, going back with the reason given here) hold as for `deal move`
            problems = move_problems(pipe, d.model_copy(update={"status": "open"}), target,
                                     known, why)
        else:
            problems = [f"`{target}` requires {describe_missing(m, deal_id)}"
                        for m in missing_requirements(entering.requires, d, known)]
        refuse(problems, f"reopen {deal_id} into `{target}`")
        after_last_move(s, d, opts.date, "the reopening")
        due = close_day(close_date, d.created, "") if close_date is not None else None
        s.summary = f"reopen ({d.status}) into {target}"
        s.reason = why
        if due is None and d.close_date is not None and d.close_date < today(opts.date):
            warn(f"note: {deal_id} still expects to close on {d.close_date}, which has "
                 f"passed; give it a day: salescli deal set {deal_id} close_date=+1m")

        def reopened(data: Any) -> None:
            for key in CLOSE_FIELDS:
                data.pop(key, None)
            data["status"] = "open"
            data["stage"] = target
            if due is not None:
                data["close_date"] = due

        s.update(record, reopened)
    return s, target


def stakeholder(repo: Any, deal_id: str, contact_id: str, role: str | None = None,
                remove: bool = False, opts: Options = COMMIT) -> Session:
    """`deal stakeholder`: add a contact to the deal, change their role, or remove them."""
    from salescli.core.ids import check_id

    check_id(contact_id, "contact")
    with opts.session(repo, "deal", deal_id, "stakeholder") as s:
        record = s.load("deal", deal_id)
        s.summary = stakeholder_summary(contact_id, role, remove)
        if not remove and contact_id not in {p.contact for p in record.model.stakeholders}:
            try:  # the account's contacts vouch for a new one: a broken file is refused
                repo.load("account", record.model.account)
            except RecordNotFound:
                pass  # no such account: the deal's validation says so
            # a new one is one line more: the file's own layout kept (`appended`)
            s.append(record, "stakeholders",
                     {"contact": contact_id, **({"role": role} if role else {})}, inline=True)
            return s

        def change(data: Any) -> None:
            from salescli.core.model import key_order
            from salescli.store.yamlio import entries_in

            people = entries_in(data, "stakeholders", key_order("deal"))
            index = next((i for i, p in enumerate(people) if p.get("contact") == contact_id),
                         None)
            if index is None:
                raise RecordNotFound(f"{contact_id} is not a stakeholder of {deal_id}")
            if remove:
                del people[index]
            elif role:
                people[index]["role"] = role

        s.update(record, change)
    return s


def _number(value: str | None, what: str) -> Decimal | None:
    if value is None:
        return None
    try:
        result = Decimal(value)
    except ArithmeticError:
        result = None
    if result is None or not result.is_finite() or result < 0:
        raise UsageError(f"{what} must be a number of at least 0, not {value!r}")
    from salescli.core.record import MAX_AMOUNT
    from salescli.store.yamlio import MAX_NUMBER_CHARS

    if result >= MAX_AMOUNT:  # as parse_money: before the digits are written out
        raise UsageError(f"{what}: {value} is too large; a number is below {MAX_AMOUNT:,}")
    if len(format(result, "f")) > MAX_NUMBER_CHARS:  # `1e-400`: no file could read it back
        raise UsageError(f"{what}: {value} has too many digits; a number is written with at "
                         f"most {MAX_NUMBER_CHARS}")
    return result


def item_add(repo: Any, deal_id: str, product: str | None = None, *, name: str | None = None,
             quantity: str = "1", unit: str | None = None, unit_price: Decimal | None = None,
             discount: str = "0", billing: str | None = None, cycles: int | None = None,
             tax_rate: str | None = None, approved_by: str | None = None,
             opts: Options = COMMIT) -> tuple[Session, str | None]:
    """`deal item add`: a price-list product, or a named item with its own price;
    returns (the change, why the deal now awaits approval, if it does).

    A discount over the settings' threshold is recorded, and the deal awaits an
    approver (`deal approve`); `approved_by` records the approval at once, only when
    it names the approver running the command."""
    from salescli.core.ids import check_id
    from salescli.core.rules import largest_discount
    from salescli.core.rules import pending_approval

    if bool(product) == bool(name):
        raise UsageError("give either a PRODUCT from products.yaml or --name")
    if name and unit_price is None:  # the price list prices products only
        raise UsageError(f"--name {name}: an item not on the price list needs its "
                         "--unit-price")
    item: dict[str, Any] = {}
    if product:
        item["product"] = check_id(product, "product")
    else:
        item["name"] = name
    item["quantity"] = _number(quantity, "--quantity")
    if unit:
        item["unit"] = unit
    if unit_price is not None:
        item["unit_price"] = unit_price
    if _number(discount, "--discount"):
        item["discount"] = _number(discount, "--discount")
    if billing:
        item["billing"] = billing
    if cycles:
        item["cycles"] = cycles
    if tax_rate is not None:
        item["tax_rate"] = _number(tax_rate, "--tax-rate")
    with opts.session(repo, "deal", deal_id, "item",
                      summary=item_summary(product or name or "", quantity)) as s:
        record = s.load("deal", deal_id)
        if approved_by:
            top = max(largest_discount(record.model), item.get("discount", Decimal(0)))
            own_approval(s.repo, deal_id, approved_by, top, "--approved-by {}")
        if product and product not in {p.sku for p in s.repo.products.products}:
            raise UsageError(f"no product {product!r} in products.yaml")

        typed = {k: "PRODUCT" if k == "product" else f"--{k.replace('_', '-')}" for k in item}
        record = s.append(record, "items", item, inline=True, given=typed)
        if approved_by:
            record = s.set(record, {"approved_by": approved_by})
    return s, pending_approval(record.model, s.repo.settings)


def item_remove(repo: Any, deal_id: str, which: str, opts: Options = COMMIT) -> Session:
    """`deal item remove`: by its number in `deal show` (1, 2...) or its product."""
    with opts.session(repo, "deal", deal_id, "item") as s:
        record = s.load("deal", deal_id)
        items = record.model.items
        if which.isdigit() and 1 <= int(which) <= len(items):
            index = int(which) - 1
        else:
            index = next((i for i, it in enumerate(items) if it.product == which), None)
            if index is None:
                raise RecordNotFound(f"{deal_id} has no item {which!r}; see `salescli deal "
                                     f"show {deal_id}` for the numbers")
        s.summary = f"remove item {items[index].product or items[index].name}"
        s.update(record, lambda data: data["items"].pop(index))
    return s


def approve(repo: Any, deal_id: str, opts: Options = COMMIT) -> tuple[Session, str]:
    """`deal approve`: the git identity running it approves the deal's discounts as
    `approved_by`, if it is an approver whose limit covers the largest; returns (the
    change, the approver's owner ID)."""
    from salescli.core.rules import largest_discount

    with opts.session(repo, "deal", deal_id, "approve") as s:
        record = s.load("deal", deal_id)
        d = record.model
        what = f"approve {deal_id}"
        if d.status != "open":
            raise SalescliError(f"cannot {what}: it is {d.status}")
        top = largest_discount(d)
        threshold = s.repo.settings.discount_approval_threshold
        if top <= threshold:
            raise SalescliError(f"cannot {what}: no discount is over the {threshold}% "
                                f"approval threshold (the largest is {top}%)")
        me = approver(s.repo, top, what)
        s.summary = f"approve {top}% discount ({me})"
        s.set(record, {"approved_by": me})
    return s, me


def tick(repo: Any, deal_id: str, which: str, ticked: bool = True,
         opts: Options = COMMIT) -> tuple[Session, str]:
    """`deal tick` (or `untick`, `ticked` False): an item of the checklist of the
    deal's stage, by its number or text; returns (the change, the item)."""
    verb = "tick" if ticked else "untick"
    with opts.session(repo, "deal", deal_id, verb) as s:
        record = s.load("deal", deal_id)
        d = record.model
        s.summary, stage_id, item, now = ticks(pipeline_of(s.repo, d), deal_id, d, which,
                                               ticked)
        if now is not None:
            s.update(record, lambda data: _set_ticks(data, stage_id, now))
    return s, item


def ticks(pipe: Any, deal_id: str, d: Any, which: str, ticked: bool = True
          ) -> tuple[str, str, str, list[str] | None]:
    """The rule step of `deal tick|untick` (the demo's too): the summary, the stage,
    the item (`which`: its number or text) and the stage's ticks after it (None: as
    they were)."""
    from salescli.core.rules import checklist_item
    from salescli.core.rules import current_stage

    verb = "tick" if ticked else "untick"
    stage = current_stage(pipe, d)
    if stage is None:
        raise SalescliError(f"cannot {verb} {deal_id}: it is in no stage of pipeline "
                            f"`{pipe.name}`")
    found = checklist_item(stage, which)
    if isinstance(found, str):
        raise RecordNotFound(f"cannot {verb} {deal_id}: {found}")
    _, item = found
    was = list(d.checklist.get(stage.id) or [])
    now = list(was)
    if ticked and item not in now:
        now.append(item)
    elif not ticked and item in now:
        now.remove(item)
    return f"{verb} {stage.id}: {item}", stage.id, item, None if now == was else now


def _set_ticks(data: Any, stage_id: str, items: list[str]) -> None:
    """The deal's ticks of one stage, as a block list; a stage with none left goes,
    and `checklist` with it when it was the last."""
    from salescli.core.model import key_order
    from salescli.store.yamlio import commented
    from salescli.store.yamlio import keep_tail
    from salescli.store.yamlio import set_in

    def change() -> None:
        if not data.get("checklist"):  # absent, null or an inline {}: start a block map
            set_in(data, "checklist", commented({}), key_order("deal"))
        ticks = data["checklist"]
        if items:
            ticks[stage_id] = commented(list(items))
        else:
            ticks.pop(stage_id, None)
            if not ticks:
                del data["checklist"]

    keep_tail(data, change)


def rename(repo: Any, deal_id: str, new_id: str, opts: Options = COMMIT) -> Session:
    """`deal rename OLD NEW`: the deal's ID and file, and the leads converted into it,
    in one commit; reports and history follow the deal under its new ID."""
    from salescli.services.edit import check_rename
    from salescli.services.read import referrers

    check_rename("deal", deal_id, new_id)
    leads = referrers(repo, "lead", "converted_deal", deal_id)
    with opts.session(repo, "deal", deal_id, "rename", summary=f"rename to {new_id}") as s:
        s.rename(s.load("deal", deal_id), new_id)
        s.refer("lead", leads, "converted.deal", new_id)
    return s


def delete(repo: Any, deal_id: str, why: str, opts: Options = COMMIT) -> Session:
    """`deal delete ID --reason R`: the file goes in one commit whose `Reason:` says why
    (history keeps the deal up to then); a lead converted into it keeps its account."""
    from salescli.services.read import referrers

    why = reason(why)  # one line, refused when empty, as every --reason is
    leads = referrers(repo, "lead", "converted_deal", deal_id)
    with opts.session(repo, "deal", deal_id, "delete", summary="delete") as s:
        s.reason = why
        loaded = s.load("deal", deal_id)
        if loaded.model.invoices:  # bookkeeping keeps what was invoiced, and its deal
            raise SalescliError(
                f"cannot delete {deal_id}: it has invoices "
                f"({', '.join(i.number for i in loaded.model.invoices)}), which the books "
                f"keep with their deal; to undo one, credit it (`salescli invoice "
                f"{deal_id} --credit NUMBER`)")
        s.remove(loaded.path)
        s.refer("lead", leads, "converted.deal", None)
    return s

