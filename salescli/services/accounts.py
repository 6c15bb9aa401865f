"""Accounts and their contacts: `account add|set` and `contact add|set`, each one
load -> rule check -> edit -> commit (salescli.services.edit.Session).

Each operation takes the repository and the change's `Options`, raises a
SalescliError naming what is wrong (nothing written), and returns the finished
Session.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from salescli.core.errors import RecordNotFound
from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.core.roles import ROLES  # noqa: F401 (the choices the commands offer)
from salescli.services.options import COMMIT
from salescli.services.options import Options

if TYPE_CHECKING:
    from salescli.services.edit import Session
    from salescli.services.read import Warn

# changed by other commands, never by `account set`
ACCOUNT_RULED = {"id": "it is the file name",
                 "contacts": "use `salescli contact add` or `salescli contact set`",
                 "activities": "use `salescli log`"}
CONTACT_RULED = {"id": "it is how deals and other contacts refer to the contact"}


def contact_ids(repo: Any, account_id: str, prefix: str = "") -> list[str]:
    """The account's contact IDs starting with `prefix` (shell completion)."""
    from salescli.services.read import find

    contacts = find(repo, "account", account_id)[0].get("contacts") or []
    return [c["id"] for c in contacts if c["id"].startswith(prefix)]


# ------------------------------------------------------------------ duplicates


def find_duplicate(repo: Any, draft: Any, warn: Warn) -> str | None:
    """`same X `v` as account ID` for the first existing account that looks like `draft`
    (`warn` names the invalid files left out)."""
    from salescli.core.duplicates import identity_keys
    from salescli.services.edit import probable_duplicate
    from salescli.services.read import key_matches

    keys = {what: value for what, value, contact, _ in identity_keys("account", draft)
            if contact is None}  # its business ID, domain and name
    shown = {"business_id": draft.business_id, "domain": draft.domain, "name": draft.name}
    mine = {what: (keys[what], shown[what]) for what in ("business_id", "domain", "name")
            if what in keys}
    others: dict[str, tuple[str, dict[str, str]]] = {}  # by file: two may share an ID
    for r in key_matches(repo, ("account",), [(w, v) for w, (v, _) in mine.items()], warn,
                         "; to add it anyway, use --force"):
        others.setdefault(r["path"], (f"account {r['id']}", {}))[1][r["what"]] = r["value"]
    return probable_duplicate(mine, others.values())


# ------------------------------------------------------------------ accounts


def add(repo: Any, name: str, *, account_id: str | None = None,
        business_id: str | None = None, address: str | None = None,
        domain: str | None = None,
        industry: str | None = None, region: str | None = None, size: str | None = None,
        parent: str | None = None, owner: str | None = None, tags: tuple[str, ...] = (),
        force: bool = False, warn: Warn, opts: Options = COMMIT) -> tuple[Session, str]:
    """`account add`, refusing a probable duplicate unless `force`; returns (the
    change, the account's ID). `warn` names the invalid files duplicates were not
    looked for in."""
    from salescli.core.model import Account
    from salescli.services.edit import choose
    from salescli.services.edit import default_owner
    from salescli.services.edit import new_id
    from salescli.services.edit import one_line
    from salescli.services.edit import refuse_duplicate
    from salescli.services.edit import today

    if address:  # as `account set address=`
        one_line(address, "--address",
                 "give its parts with `account set ID address.street=... address.city=...`")
    settings = repo.settings
    record_id = new_id(repo, "account", name, account_id)
    if parent:
        repo.find("account", parent)
    created = today(opts.date)
    data = {
        "id": record_id, "name": name, "business_id": business_id,
        "address": address.strip() or None if address else None, "domain": domain,
        "industry": industry, "region": region, "size": size, "parent": parent,
        "owner": choose(owner, settings.owners, "owner") or default_owner(repo),
        "created": created, "tags": list(tags) or None,
    }
    if not force:
        refuse_duplicate(find_duplicate(repo, Account.model_validate(
            {k: v for k, v in data.items() if v is not None}), warn))
    with opts.session(repo, "account", record_id, "add", summary="add") as s:
        s.create("account", record_id, data, created)
    return s, record_id


def shown_fields(account: dict[str, Any]) -> list[tuple[str, Any]]:
    """The fields `account show` prints, in order, the set ones only; an address on one
    line as a letter has it."""
    from salescli.core.quote import address_lines

    fields = [(k, ", ".join(address_lines(account.get(k))) if k.endswith("address")
               else account.get(k))
              for k in ("id", "name", "business_id", "vat_number", "address", "billing_address",
                        "visiting_address", "language", "domain", "industry", "region",
                        "size", "parent", "owner", "tags")]
    return [(k, v) for k, v in fields if v not in (None, [], "")]


def set_fields(repo: Any, account_id: str, assignments: tuple[str, ...],
               opts: Options = COMMIT) -> tuple[Session, str]:
    """`account set FIELD=VALUE...`; returns (the change, `k=v, ...` for the user)."""
    from salescli.core.model import Account
    from salescli.core.model import Address
    from salescli.services.check import parent_cycle
    from salescli.services.edit import assignments_for
    from salescli.services.edit import check_listed
    from salescli.services.edit import custom_fields
    from salescli.services.edit import describe
    addresses = {"address": Address, "billing_address": Address, "visiting_address": Address}
    changes = assignments_for(assignments, "an account", Account, ACCOUNT_RULED, addresses,
                              custom=lambda: custom_fields(repo, "account"))
    summary, subject = describe(changes)
    with opts.session(repo, "account", account_id, "set", summary=f"set {subject}") as s:
        check_listed(changes, s.repo.settings)
        record = s.load("account", account_id)
        for key in changes:
            top, _, part = key.partition(".")
            line = getattr(record.model, top, None) if part and top in addresses else None
            if isinstance(line, str):  # setting a part would drop the line's other parts
                raise UsageError(f"`{top}` is one line ({line!r}): set it whole "
                                 f"({top}=\"...\"), or clear it first ({top}=null), then "
                                 "set its parts")
        parent = changes.get("parent")
        if isinstance(parent, str):
            s.repo.find("account", parent)
            cycle = parent_cycle(s.repo, account_id, parent)
            if cycle:
                raise SalescliError(f"cannot make {parent} the parent of {account_id}: "
                                    "the hierarchy would have a cycle: " + " -> ".join(cycle))
        s.set(record, changes, given=True)
    return s, summary


# ------------------------------------------------------------------ contacts


def contact_record(values: Mapping[str, Any]) -> dict[str, Any]:
    """A contact as `contact add` writes it: its fields in the documented order, those
    without a value left out."""
    from salescli.core.model import Contact
    from salescli.services.edit import field_names

    return {k: values[k] for k in field_names(Contact) if values.get(k) is not None}


def contact_add(repo: Any, account_id: str, name: str, *, contact_id: str | None = None,
                email: str | None = None, phone: str | None = None, title: str | None = None,
                linkedin: str | None = None, role: str | None = None,
                influence: str | None = None, reports_to: str | None = None,
                force: bool = False, opts: Options = COMMIT) -> tuple[Session, str]:
    """`contact add`: a person of the account, refused when the account has them
    already (`same_contact`: their e-mail or phone, else the only one of the name)
    unless `force`; returns (the change, their ID)."""
    from types import SimpleNamespace

    from salescli.core.duplicates import namesakes
    from salescli.core.duplicates import norm_email
    from salescli.core.duplicates import same_contact
    from salescli.core.ids import check_id
    from salescli.core.ids import unique_id
    from salescli.core.rules import given_email
    from salescli.services.edit import check_name
    from salescli.services.edit import name_slug
    from salescli.services.edit import refuse_duplicate

    repo.find("account", account_id)  # an unknown account first, before its contact's faults
    check_name("contact", name)
    email = given_email(email)
    if contact_id is not None:
        check_id(contact_id, "contact")
    if reports_to:
        check_id(reports_to, "contact")
    with opts.session(repo, "account", account_id, "contact") as s:
        record = s.load("account", account_id)
        taken = [c.id for c in record.model.contacts]
        if contact_id in taken:
            raise SalescliError(f"account {account_id} already has a contact `{contact_id}`; "
                                "choose another --id")
        if reports_to and reports_to not in taken:
            raise SalescliError(f"cannot add {name}: --reports-to `{reports_to}` is not a "
                                f"contact of account {account_id}")
        twin = None if force else same_contact(record.model.contacts, SimpleNamespace(
            name=name, email=email, emails=[], phone=phone, phones=[]))
        if twin is not None and email and record.model.contacts[twin].email and \
                norm_email(record.model.contacts[twin].email) != norm_email(email):
            twin = None  # another e-mail: another person (a shared switchboard, a namesake)
        if twin is not None:
            c = record.model.contacts[twin]
            refuse_duplicate(f"{name} is contact {c.id} ({c.name}) of account {account_id}, "
                             "by e-mail, phone or name")
        named = namesakes(record.model.contacts, name)
        if named and not (force or email or phone):  # namesakes, and nothing new to tell
            ids = ", ".join(record.model.contacts[i].id for i in named)
            refuse_duplicate(f"{name} is the name of contacts {ids} of account "
                             f"{account_id}; a new namesake needs an --email or --phone")
        cid = contact_id if contact_id is not None else unique_id(name_slug("contact", name),
                                                                  taken)
        values = {"id": cid, "name": name, "title": title, "email": email, "phone": phone,
                  "linkedin": linkedin, "role": role, "influence": influence,
                  "reports_to": reports_to}
        person = contact_record(values)
        s.summary = f"add contact {cid}"
        s.append(record, "contacts", person)
    return s, cid


def contact_set(repo: Any, account_id: str, contact_id: str, assignments: tuple[str, ...],
                opts: Options = COMMIT) -> tuple[Session, str]:
    """`contact set FIELD=VALUE...`; returns (the change, `k=v, ...` for the user)."""
    from salescli.core.ids import check_id
    from salescli.core.model import Contact
    from salescli.services.edit import assignments_for
    from salescli.services.edit import describe
    from salescli.services.edit import field_names
    from salescli.store.yamlio import apply_sets
    from salescli.store.yamlio import keep_tail

    check_id(contact_id, "contact")
    changes = assignments_for(assignments, "a contact", Contact, CONTACT_RULED)
    summary, subject = describe(changes)
    with opts.session(repo, "account", account_id, "contact",
                      summary=f"contact {contact_id}: set {subject}") as s:
        record = s.load("account", account_id)
        ids = [c.id for c in record.model.contacts]
        if contact_id not in ids:
            raise RecordNotFound(f"no contact `{contact_id}` in account {account_id}; see "
                                 f"`salescli account show {account_id}`")
        boss = changes.get("reports_to")
        if boss is not None:
            check_id(str(boss), "contact")  # malformed: a usage error, before "no such contact"
        if boss is not None and (boss == contact_id or boss not in ids):
            raise SalescliError(f"cannot set reports_to of {contact_id}: `{boss}` is not "
                                f"another contact of account {account_id}")
        index = ids.index(contact_id)
        order = field_names(Contact)

        def change(data: Any) -> None:
            person = data["contacts"][index]
            keep_tail(person, lambda: apply_sets(person, changes, order))

        s.update(record, change, ("contacts", index), {k: k for k in changes})
    return s, summary


def rename(repo: Any, account_id: str, new_id: str, opts: Options = COMMIT) -> Session:
    """`account rename OLD NEW`: the account's ID and file, and every record naming it
    (its deals, its child accounts, leads converted into it), in one commit."""
    from salescli.services.edit import check_rename
    from salescli.services.read import referrers

    check_rename("account", account_id, new_id)
    deals = referrers(repo, "deal", "account_id", account_id)
    children = referrers(repo, "account", "parent", account_id)
    leads = referrers(repo, "lead", "converted_account", account_id)
    with opts.session(repo, "account", account_id, "rename",
                      summary=f"rename to {new_id}") as s:
        s.rename(s.load("account", account_id), new_id)
        s.refer("deal", deals, "account", new_id)
        s.refer("account", children, "parent", new_id)
        s.refer("lead", leads, "converted.account", new_id)
    return s



# what a merge fills in on the account kept, where it has nothing of its own
_MERGED_FIELDS = ("business_id", "address", "domain", "industry", "region", "size",
                  "parent", "owner", "created", "notes")


def merge(repo: Any, duplicate: str, into: str, opts: Options = COMMIT) -> Session:
    """`account merge DUPLICATE INTO`: the duplicate's contacts (one per person, by
    e-mail, phone or name: `same_contact`, filling what INTO's lacks), its activities
    (after INTO's), tags and the fields INTO lacks move to INTO; its deals, child accounts
    and converted leads name INTO; the duplicate's file goes. One commit."""
    from salescli.core.duplicates import norm_email
    from salescli.core.duplicates import norm_phone
    from salescli.core.duplicates import same_contact
    from salescli.core.errors import UsageError
    from salescli.core.ids import unique_id
    from salescli.core.rules import loop_closed
    from salescli.services.read import referrers

    if duplicate == into:
        raise UsageError("an account cannot be merged into itself")
    deals = referrers(repo, "deal", "account_id", duplicate)
    children = [c for c in referrers(repo, "account", "parent", duplicate) if c != into]
    leads = referrers(repo, "lead", "converted_account", duplicate)
    with opts.session(repo, "account", into, "merge", summary=f"merge {duplicate}") as s:
        dup, kept = s.load("account", duplicate), s.load("account", into)
        d, k = dup.model, kept.model
        taken = {c.id for c in k.contacts}
        remap: dict[str, str] = {}
        same: dict[int, list[Any]] = {}  # INTO's contact (by position) -> the duplicate's
        # the same person once (same_contact): by an e-mail or phone first, then those
        # left by a name INTO has once and nobody matched yet; an ID clash gets a new ID
        for c in d.contacts:
            at = same_contact(k.contacts, c, by_name=False)
            if at is not None:
                same.setdefault(at, []).append(c)
        matched = {c.id for cs in same.values() for c in cs}
        for c in d.contacts:
            if c.id not in matched:
                at = same_contact(k.contacts, c)
                if at is not None and at not in same:
                    same[at] = [c]
                    matched.add(c.id)
        for at, cs in same.items():
            for c in cs:
                remap[c.id] = k.contacts[at].id
        for c in d.contacts:
            if c.id not in matched:
                remap[c.id] = unique_id(c.id, taken)
                taken.add(remap[c.id])

        def person(c: Any) -> dict[str, Any]:
            return {**_plain(c), "id": remap[c.id],
                    **({"reports_to": remap.get(c.reports_to, c.reports_to)}
                       if c.reports_to else {})}

        moved = [person(c) for c in d.contacts if c.id not in matched]
        # what INTO's contact lacks, from the duplicate's (a title, a phone, a role...),
        # the best match first; another e-mail or phone of theirs joins `emails`/`phones`
        filled: dict[int, dict[str, Any]] = {}
        boss = {c.id: c.reports_to for c in k.contacts}
        boss.update({e["id"]: e.get("reports_to") for e in moved})
        addresses = ("email", "emails", "phone", "phones")
        for at, cs in same.items():
            mine, fields = k.contacts[at], {}
            for c in cs:
                fields.update({f: v for f, v in person(c).items()
                               if f not in ("id", "name", *addresses, *fields)
                               and getattr(mine, f, None) in (None, "", [], {})})
                for one, more, norm in (("email", "emails", norm_email),
                                        ("phone", "phones", norm_phone)):
                    def key(value: Any, norm: Any = norm) -> str:  # a short number too
                        return norm(value) or str(value or "").strip().lower()

                    main = fields.get(one) or getattr(mine, one)
                    others = fields.get(more) or list(getattr(mine, more))
                    known = {key(v) for v in (main, *others)} - {""}
                    for value in (getattr(c, one), *getattr(c, more)):
                        if key(value) and key(value) not in known:
                            known.add(key(value))
                            if main is None:
                                main = fields[one] = value
                            else:
                                others.append(value)
                    if others != list(getattr(mine, more)):
                        fields[more] = others
            if "reports_to" in fields:  # never a loop of managers
                if loop_closed(mine.id, fields["reports_to"], boss.get):
                    del fields["reports_to"]
                else:
                    boss[mine.id] = fields["reports_to"]
            filled[at] = fields
        fill = {f: getattr(d, f) for f in _MERGED_FIELDS
                if getattr(k, f) in (None, "") and getattr(d, f) not in (None, "")
                and not (f == "parent" and getattr(d, f) == into)}
        if k.parent == duplicate:  # INTO was the duplicate's child: its parent goes
            fill["parent"] = d.parent if d.parent != into else None
        tags = [t for t in d.tags if t not in k.tags]
        activities = [_plain(a) for a in d.activities]
        for a in activities:  # who took part, by their contact IDs in INTO
            if "with" in a:
                a["with"] = [remap.get(c, c) for c in a["with"]]

        def mutate(data: Any) -> None:
            from salescli.core.model import Contact
            from salescli.core.model import key_order
            from salescli.services.edit import add_entry
            from salescli.services.edit import field_names
            from salescli.store.yamlio import block
            from salescli.store.yamlio import inline
            from salescli.store.yamlio import set_in

            order = key_order("account")
            for field, value in fill.items():
                if value is None:
                    data.pop(field, None)
                else:
                    set_in(data, field, value, order)
            if tags:
                set_in(data, "tags", inline([*(data.get("tags") or []), *tags]), order)
            contact_order = field_names(Contact)
            for at, fields in filled.items():
                for field, value in fields.items():
                    set_in(data["contacts"][at], field, value, contact_order)
            for entry in moved:
                add_entry(data, "account", "contacts", entry)
            if activities:  # after INTO's own, whose numbers (N) never change
                set_in(data, "activities",
                       [*(data.get("activities") or []), *map(block, activities)], order)

        s.update(kept, mutate)
        s.remove(dup.path)
        # the deals: the account, and stakeholders and who took part by their new IDs
        renamed = {old: new for old, new in remap.items() if old != new}
        for deal_id in deals:
            record = s.load("deal", deal_id)
            m = record.model

            def retarget(data: Any, m: Any = m) -> None:
                data["account"] = into
                for n, person in enumerate(m.stakeholders):
                    if person.contact in renamed:
                        data["stakeholders"][n]["contact"] = renamed[person.contact]
                for n, activity in enumerate(m.activities):
                    for j, who in enumerate(activity.with_):
                        if who in renamed:
                            data["activities"][n]["with"][j] = renamed[who]

            s.update(record, retarget)
        s.refer("account", children, "parent", into)
        s.refer("lead", leads, "converted.account", into)
    return s


def _plain(model: Any) -> dict[str, Any]:
    """A contact or activity as it is written: its own fields, no defaults."""
    return model.model_dump(mode="python", by_alias=True, exclude_defaults=True)
