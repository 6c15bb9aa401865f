"""The one path of every change to records (STYLE: command -> rule check ->
round-trip edit -> atomic write -> commit).

    with Session(repo, "deal", "acme-erp", "event", date=...) as s:
        deal = s.load("deal", "acme-erp")          # locked, guarded, validated
        s.summary = f"{deal.model.stage} -> {target}"
        s.update(deal, lambda d: apply_sets(d, {"stage": target}, order))
    # committed here; on any error nothing is written and nothing is committed

A change is validated before it is written: the new text must parse and pass the
record's schema, or the command fails naming the file and the problem.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from msgspec import NODEFAULT
from msgspec import Struct

from salescli.core.diagnostics import Finding
from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.core.ids import check_id
from salescli.core.ids import slugify
from salescli.core.ids import unique_id
from salescli.core.later import later
from salescli.core.model import field_names
from salescli.core.model import key_order
from salescli.core.record import fields_of
from salescli.services.options import COMMIT
from salescli.services.options import Options
from salescli.store.gitio import Change
from salescli.store.loader import parse_file
from salescli.store.loader import parse_text
from salescli.store.loader import raise_if_invalid
from salescli.store.repo import KIND_DIRS
from salescli.store.yamlio import LINE_BREAKS
from salescli.store.yamlio import YamlProblem
from salescli.store.yamlio import apply_sets
from salescli.store.yamlio import dump_record
from salescli.store.yamlio import keep_tail

NOTHING_TYPED: Mapping[str, str] = MappingProxyType({})  # see Session._validated
NULLS = ("~", "null", "Null", "NULL")  # YAML's nulls: `FIELD=null` clears a field
# what YAML reads as a line break: in a typed value, never a place to stop reading
LINE_BREAK = later(f"[{LINE_BREAKS}]")
# nested values salescli writes inline, as SPEC's examples show them
FLOW_KEYS = frozenset(("contact", "converted", "next_step", "stakeholders", "items", "quotes",
                       "orders", "invoices", "tags", "external_ids", "emails", "phones",
                       "with", "evaluation", "requires"))


class Loaded(Struct):
    """A record as read for a change: where it is, its text and its validated model."""

    kind: str
    id: str
    path: Path
    text: str
    model: Any
    bom: bool = False  # the file starts with a byte-order mark, which a change keeps


class Session(Change):
    """A Change that also reads, edits and creates records."""

    def __init__(self, repo: Any, kind: str, record_id: str, event: str, *,
                 summary: str = "", ahead: bool = False, **kw: Any):
        if not ahead:
            not_ahead(kw.get("date"))
        super().__init__(repo, kind, record_id, summary, event, **kw)
        self.kind, self.record_id, self.summary = kind, record_id, summary
        self.notes: list[str] = []  # what the user should know of the change (stderr)

    def _commit(self) -> None:
        from salescli.core.commitmsg import subject

        self.subject = subject(self.kind, self.record_id, self.summary)
        super()._commit()

    def load(self, kind: str, record_id: str) -> Loaded:
        path = self.repo.find(kind, record_id)
        self.guard_ahead(path)  # git looks while the record is read, edited and checked
        # (its custom fields declared: no did-you-mean is worked out for them)
        parsed = parse_file(self.root, kind, path, custom_fields(self.repo, kind))
        raise_if_invalid(parsed, "fix the file first (see `salescli check`)")
        with open(path, "rb") as fh:
            bom = fh.read(3) == b"\xef\xbb\xbf"
        return Loaded(kind, record_id, path, parsed.text or "", parsed.model, bom)

    def _validated(self, kind: str, path: Path, text: str, at: tuple = (),
                   given: Mapping[str, str] = NOTHING_TYPED) -> Any:
        """The new text's model, if it passes everything `check` would hold against it.

        `given`: the (dotted) fields of the part of the record `at` whose values the
        user typed, and how (`set FIELD=VALUE`: the field; `--quantity`). A value its
        field's type or the settings refuse (a currency, a lost reason) is a usage error,
        as an option's bad value is (README, "Exit codes"), named as it was typed: not
        at a line of a file never written.
        """
        from salescli.services.check import record_errors

        rel = self.repo.rel(path)
        parsed = parse_text(kind, rel, text, custom_fields(self.repo, kind))
        _refuse_typed(parsed.findings, at, given)
        raise_if_invalid(parsed, "nothing was changed")
        if kind in KIND_DIRS:
            errors = record_errors(self.repo, kind, rel, parsed.model)
            _refuse_typed(errors, at, given)
            if errors:
                raise SalescliError(f"{rel}: {errors[0].message}; nothing was changed")
        return parsed.model

    def update(self, record: Loaded, mutate: Callable[[Any], None], at: tuple = (),
               given: Mapping[str, str] = NOTHING_TYPED) -> Loaded:
        """Apply `mutate` to the record's round-trip tree, validate, write. `given`: the
        fields the user typed values for, in the part `at` (see `_validated`)."""
        from salescli.store.yamlio import roundtrip_edit

        try:
            text = roundtrip_edit(record.text, mutate)
        except YamlProblem as p:
            raise self._cannot(record, p) from None
        return self._replace(record, text, at, given)

    def append(self, record: Loaded, key: str, item: dict[str, Any],
               inline: bool = False, given: Mapping[str, str] = NOTHING_TYPED) -> Loaded:
        """Append `item` (plain values) to the record's block list `key` (see
        `appended`); `inline`: an entry of its own line, `- {product: x, quantity: 1}`.
        `given`: the item's fields the user typed, and how (see `_validated`)."""
        try:
            text = appended(record.text, record.kind, key, item, inline)
        except YamlProblem as p:
            raise self._cannot(record, p) from None
        return self._replace(record, text, (key, len(getattr(record.model, key))), given)

    def set(self, record: Loaded, changes: dict[str, Any], item: tuple[str, int] | None = None,
            order: Sequence[str] = (), given: bool = False) -> Loaded:
        """Set (dotted) fields: the new values spliced in, every other byte kept. `item`:
        in that entry of a list instead (`("activities", 0)`), new keys in `order`.
        `given`: the values are as the user typed them (see `_validated`)."""
        from salescli.store.yamlio import set_values

        try:
            text = set_values(record.text, changes, order if item else key_order(record.kind),
                              item or ())
        except YamlProblem as p:
            raise self._cannot(record, p) from None
        return self._replace(record, text, item or (), {k: k for k in changes} if given else {})

    def _cannot(self, record: Loaded, p: YamlProblem) -> SalescliError:
        hint = (f" (or make this change with `salescli {record.kind} edit {record.id}`)"
                if p.code == "cannot-edit" else "")
        return SalescliError(f"{self.repo.rel(record.path)}:{p.line}: {p.message}{hint}")

    def _replace(self, record: Loaded, text: str, at: tuple = (),
                 given: Mapping[str, str] = NOTHING_TYPED) -> Loaded:
        model = self._validated(record.kind, record.path, text, at, given)
        self.write(record.path, "\ufeff" + text if record.bom else text)
        return Loaded(record.kind, record.id, record.path, text, model, record.bom)

    def rename(self, record: Loaded, new_id: str) -> Loaded:
        """The record under a new ID: `id:` changed, its file renamed in the same folder
        (the history follows such a rename: one file gone, one come, in one commit)."""
        from salescli.store.yamlio import set_values

        check_id(new_id, record.kind)
        if new_id in self.repo.ids(record.kind):
            raise SalescliError(f"{record.kind} {new_id!r} already exists; choose another ID")
        try:
            text = set_values(record.text, {"id": new_id}, key_order(record.kind))
        except YamlProblem as p:
            raise self._cannot(record, p) from None
        self.remove(record.path)
        path = record.path.with_name(f"{new_id}.yaml")
        moved = Loaded(record.kind, new_id, path, text, record.model, record.bom)
        return self._replace(moved, text)

    def refer(self, kind: str, ids: Iterable[str], field: str, value: str | None) -> None:
        """Set `field` (dotted) to `value` on each of these records: the references a
        rename, a merge or a deletion changes, in the same commit."""
        for record_id in ids:
            self.set(self.load(kind, record_id), {field: value})

    def create(self, kind: str, record_id: str, data: dict[str, Any],
               created: dt.date) -> Loaded:
        """Write a new record in the folder of the month it was created."""
        check_id(record_id, kind)
        if record_id in self.repo.ids(kind):
            from salescli.store.gitio import uncommitted

            rel = self.repo.rel(self.repo.find(kind, record_id))
            if uncommitted(self.root, [rel]):  # a killed command's file, or a hand-made one
                raise SalescliError(
                    f"{kind} {record_id!r} already exists, uncommitted, in {rel}: commit it "
                    f"(`git add {rel} && git commit`) or delete it, or choose another --id")
            raise SalescliError(f"{kind} {record_id!r} already exists; choose another --id")
        path = self.root / KIND_DIRS[kind] / created.strftime("%Y-%m") / f"{record_id}.yaml"
        # the one writer of whole records (the demo's and an import's too): keys in the
        # documented order, none without a value, in ruamel's style without ruamel
        text = dump_record(data, key_order(kind), FLOW_KEYS)
        model = self._validated(kind, path, text)
        self.write(path, text)
        return Loaded(kind, record_id, path, text, model)


# check's findings that a record named does not exist: "not found" (1), not a bad value
NOT_FOUND = frozenset(("unknown-account", "unknown-contact", "unknown-deal", "unknown-product"))


def _refuse_typed(findings: Iterable[Finding], at: tuple, given: Mapping[str, str]) -> None:
    """The first error at a field the user typed a value for, as a usage error (see
    `Session._validated`): the schema's `field: what` with the field as typed; check's
    own words, which name the field, as they are."""
    for key, typed in given.items():
        loc = (*at, *key.split("."))
        bad = next((f for f in findings if f.severity == "error" and f.code not in NOT_FOUND
                    and f.loc[:len(loc)] == loc), None)
        if bad is not None:
            from salescli.core.record import dotted

            said, where = bad.message, dotted(bad.loc)
            if said.startswith(f"{where}: "):
                said = f"{dotted((typed, *bad.loc[len(loc):]))}: {said[len(where) + 2:]}"
            elif not said.startswith(key):
                said = f"{typed}: {said}"
            raise UsageError(f"{said}; nothing was changed")


def check_rename(kind: str, old_id: str, new_id: str) -> None:
    """Refuse, before anything is read, a rename to a malformed ID or to itself (as
    `account merge A A` is refused)."""
    check_id(new_id, kind)
    if new_id == old_id:
        raise UsageError(f"{kind} {old_id!r} cannot be renamed to itself")


# the field that names a record of each kind, in the user's words
NAME_FIELDS = {"account": "name", "lead": "company", "deal": "title", "contact": "name"}


def check_name(kind: str, name: str) -> str:
    """Refuse an empty or blank name: it would list as nothing and fold to the ID `record`."""
    if not name.strip():
        what = NAME_FIELDS[kind]
        raise UsageError(f"the {kind} {what} is empty; give the {kind} a {what}")
    return name


BY_ID = "give it one with --id"  # how to name a record `name_slug` cannot make an ID of


def name_slug(kind: str, name: str, hint: str = BY_ID) -> str:
    """The name folded to an ID; a name with nothing that folds to a-z or 0-9 (`!!!`, an
    emoji, a script unidecode does not know) is a usage error that ends with `hint`."""
    slug = slugify(name)
    if not slug:
        from salescli.core.output import quoted

        raise UsageError(f"cannot make an ID from the {kind} {NAME_FIELDS[kind]} "
                         f"{quoted(name)}: nothing in it folds to a-z or 0-9; {hint}")
    return slug


def new_id(repo: Any, kind: str, name: str, explicit: str | None = None,
           hint: str = BY_ID) -> str:
    """`explicit` if given (checked), else the name folded to a free slug (`name_slug`)."""
    check_name(kind, name)
    if explicit is not None:  # `--id ""` (a script's unset variable) is refused, not unset
        return check_id(explicit, kind)
    return unique_id(name_slug(kind, name, hint), repo.ids(kind))


def probable_duplicate(mine: Mapping[str, tuple[str, str]],
                       others: Iterable[tuple[str, Mapping[str, str]]]) -> str | None:
    """`same WHAT `as written` as WHO` for the first of `others` sharing a key with `mine`.

    `mine` maps what identifies a new record (`name`, `domain`, `e-mail`...) to its
    normalised value and the value as the user wrote it; `others` are (who, keys).
    The one test of every `add` that refuses a probable duplicate unless --force.
    """
    for who, theirs in others:
        for what, (value, shown) in mine.items():
            if value and theirs.get(what) == value:
                return f"same {what.replace('_', ' ')} `{shown}` as {who}"
    return None


def refuse_duplicate(found: str | None) -> None:
    """Refuse an `add` that `probable_duplicate` found to look like an existing record."""
    if found:
        raise SalescliError(f"probable duplicate: {found}; to add it anyway, use --force")


def name_twins(repo: Any, kind: str, name: str, then: str) -> list[Any]:
    """The valid records of `kind` whose ID was folded from the same slug as `name`.

    Names equal but for case, accents or Unicode normalisation fold to one slug, and
    so to IDs `slug`, `slug-2`...: reading only those files finds them without
    reading every record (one given its own --id is not found). Such a file that is
    not a valid record refuses the command (`refuse_unreadable`; `then`: what else the
    user can do).
    """
    from salescli.core.ids import derived_from
    from salescli.services.read import refuse_unreadable

    base, folder = slugify(name), repo.root / KIND_DIRS[kind]
    parsed = [parse_file(repo.root, kind, folder / month / file)
              for month, file in repo.record_files(kind) if derived_from(file[:-5], base)]
    for p in parsed:
        if not p.ok:
            refuse_unreadable((p.path, base), then, ", so it may be the same record")
    return [p.model for p in parsed]


def default_owner(repo: Any, change: Any = None) -> str | None:
    """The owner matching the git identity's name (its first word, else the whole
    name; GIT_AUTHOR_NAME, else user.name), if the settings list it; else the only
    owner there is. Within a `change` (a Session), from what git said as it began."""
    from salescli.core.approvals import identity_names
    from salescli.core.approvals import who_of

    owners = list(repo.settings.owners)
    if len(owners) < 2:  # the identity could choose none other (and git is not asked)
        return owners[0] if owners else None
    return who_of(identity_names(author_name(repo.root, change), None), owners)


def identity(repo: Any) -> tuple[str, str]:
    """(name, e-mail) of the git identity a commit made now would have as its author
    (GIT_AUTHOR_NAME and _EMAIL, else user.name and user.email)."""
    return _author_ident(repo.root)


def author_name(root: Any, change: Any = None) -> str:
    """The name of the git identity a commit made in `root` now would have ("" when git
    has none); within a `change`, from the `git var -l` it asked as it began."""
    return _author_ident(root, change)[0]


def _author_ident(root: Any, change: Any = None) -> tuple[str, str]:
    from salescli.core.errors import SalescliError
    from salescli.store.gitio import git
    from salescli.store.gitio import ident_of

    values = change.git_values() if change is not None else None
    if values is not None:
        try:
            ident = ident_of(root, values, "author")
        except SalescliError:  # none git would commit with
            ident = ""
    else:
        ident = git(root, "var", "GIT_AUTHOR_IDENT", check=False).stdout.strip()
    found = re.match(r"(.*?) ?<([^>]*)>", ident)
    return (found.group(1), found.group(2)) if found else ("", "")


def choose(value: str | None, allowed: Iterable[str], what: str) -> str | None:
    """Refuse a value outside a settings list, naming the allowed ones."""
    allowed = list(allowed)
    if value is None or not allowed or value in allowed:
        return value
    from salescli.core.words import did_you_mean

    raise UsageError(f"unknown {what} {value!r}{did_you_mean(value, allowed)}; choose one "
                     f"of: {', '.join(allowed)} (settings in salescli.yaml)")


def parse_assignments(pairs: Iterable[str]) -> dict[str, Any]:
    """`field=value` arguments; values are read as YAML scalars, as in a record file."""
    from salescli.store.yamlio import load_fast

    changes: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key or not all(part for part in key.split(".")):
            raise UsageError(f"expected FIELD=VALUE, got {pair!r}")
        if not raw.strip():
            value: Any = None
        elif LINE_BREAK.search(raw):  # YAML would read on past the break: text, whole
            value = raw
        else:
            try:
                value = load_fast(f"v: {raw}\n")["v"]
            except YamlProblem:
                value = raw
        if value in (None, "") and raw.strip() not in ("", *NULLS):
            value = raw  # `#1`, `|`, `>`: text for a text field, refused by any other
        if isinstance(value, dict | list):
            value = raw  # a set value is one scalar; structure is what `edit` is for
        changes[key] = value
    return changes


def not_ahead(date: str | dt.date | None) -> None:
    """A change says what happened: a `--date` later than now is refused (a booking or a
    task is how something to come is recorded)."""
    if date is None:
        return
    from salescli.core.dates import day_of
    from salescli.services import options

    moment = options.now()
    later = date.timestamp() > moment + 60 if isinstance(date, dt.datetime) else \
        day_of(date) > dt.date.fromtimestamp(moment)  # type: ignore[operator]
    if later:
        shown = date if isinstance(date, str) else date.isoformat(timespec="minutes") \
            if isinstance(date, dt.datetime) and not date.second else date.isoformat()
        raise UsageError(f"--date {shown} is ahead of now: a change is dated when it "
                         "happened; to plan something, add a task (`salescli task add "
                         "TARGET SUMMARY --due DATE`) or book a meeting (`salescli log "
                         "meeting TARGET SUMMARY --date DATE`)")


def today(date: str | dt.date | None) -> dt.date:
    """The day of a `--date` (a date-time counts by its own date), else today (by the
    one clock a test can set, `options.now`)."""
    from salescli.core.dates import day_of
    from salescli.services import options

    return day_of(date) or dt.date.fromtimestamp(options.now())


def _nested_model_field(field: Any) -> bool:
    from salescli.core.record import nested_record

    return nested_record(field.annotation)[0] is not None


def _is_text(annotation: Any, among: Callable[[Iterable[bool]], bool] = all) -> bool:
    """A field that holds text (or an ID), possibly optional; with `among=any`, a field
    that may hold text (an address: its parts, or one line)."""
    return among(a is str for a in _alternatives(annotation))


def _is_date(annotation: Any) -> bool:
    """A date field (`close_date`, `next_step.due`), possibly optional."""
    import datetime as dt

    return all(a is dt.date for a in _alternatives(annotation))


def _alternatives(annotation: Any) -> list[Any]:
    """The types a field may hold but None, each without its Annotated constraints."""
    import types
    import typing

    def bare(a: Any) -> Any:
        return typing.get_args(a)[0] if typing.get_origin(a) is typing.Annotated else a

    annotation = bare(annotation)
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    return [bare(a) for a in (typing.get_args(annotation) if union else [annotation])
            if a is not type(None)]


def assignments_for(assignments: tuple[str, ...], what: str, model: Any,
                    ruled: dict[str, str], nested: dict[str, Any] | None = None,
                    custom: Callable[[], dict[str, Any]] | None = None) -> dict[str, Any]:
    """FIELD=VALUE arguments of a `set`, checked against the record's fields and typed.

    Refuses fields a `set` may not change (`ruled`) and unknown ones, with a
    did-you-mean. A text field keeps the text as typed, so `phone=0401234567` is not
    read as a number. `nested` maps a field to the model of its sub-fields
    (`contact.email` of a lead). `custom` gives the kind's custom fields (settings
    read only when a field is not one of the model's).
    """
    from salescli.core.rules import given_email
    from salescli.core.words import did_you_mean

    changes = parse_assignments(assignments)
    raw = dict(a.partition("=")[::2] for a in assignments)
    nested = nested or {}
    known = field_names(model)
    declared: dict[str, Any] | None = None
    for key, value in changes.items():
        top, _, rest = key.partition(".")
        if top in ruled:
            raise UsageError(f"`{top}` is not set directly: {ruled[top]}")
        if top not in known and custom is not None:
            if declared is None:
                try:
                    declared = custom()
                except SalescliError:  # no repository or broken settings: none declared
                    declared = {}
            if top in declared:
                if rest:
                    raise UsageError(f"`{top}` has no sub-fields; set it as {top}=VALUE")
                changes[key] = custom_value(declared[top], key, raw[key])
                continue
        if top not in known:
            names = [*known, *(declared or {})]
            raise UsageError(f"{what} has no field `{top}`{did_you_mean(top, names)}; fields: "
                             + ", ".join(k for k in names if k not in ruled))
        owner, name = model, top
        if rest:
            if top not in nested:
                raise UsageError(f"`{top}` has no sub-fields; set it as {top}=VALUE")
            owner, name = nested[top], rest
            if rest not in field_names(owner):
                raise UsageError(f"`{top}` has no field `{rest}`; fields: "
                                 + ", ".join(field_names(owner)))
        field = next(f for n, f in fields_of(owner).items() if (f.alias or n) == name)
        if value is None and field.default is NODEFAULT and field.factory is NODEFAULT:
            raise UsageError(f"cannot clear `{key}`: {what} must have one")
        if _is_list(field.annotation, of=str):  # tags=a,b, [a, "b,c"] or none: inline
            from salescli.store.yamlio import inline

            values = text_list(raw[key], key)
            if name == "emails":
                values = [e for e in (given_email(one, key) for one in values) if e]
            changes[key] = inline(values)
            continue
        if _is_list(field.annotation):
            how = LIST_COMMANDS.get(key, "change it with `edit`")
            raise UsageError(f"`{key}` is a list of entries: {how}")
        if value is not None and not _is_text(field.annotation):
            one_line(raw[key], f"`{key}`")
        if value is not None and _is_text(field.annotation):
            changes[key] = raw[key]  # exactly as typed: `#1`, `007` and `yes` stay text
            if name == "email":
                changes[key] = given_email(raw[key], key)
        elif isinstance(value, str) and value == raw[key] and _is_date(field.annotation):
            from salescli.core.dates import day_of  # `+30d`, `tomorrow`, `this-quarter`

            changes[key] = day_of(value, key)
        elif isinstance(value, str) and value == raw[key] and _nested_model_field(field) \
                and not _is_text(field.annotation, any):  # `address=ONE LINE` is fine
            raise UsageError(f"`{key}` is a group of fields: set its parts "
                             f"({key}.FIELD=VALUE) or use `edit`")
    made = changes.get("created")
    if isinstance(made, dt.datetime):
        made = made.date()
    if isinstance(made, dt.date) and made > today(None):  # as `add --date` is
        raise UsageError(f"created {made.isoformat()} is ahead of today: a record is "
                         "created on a day that has come")
    return changes


# the commands that change a list of entries (a `set` cannot)
LIST_COMMANDS = {
    "stakeholders": "add or remove one with `deal stakeholder DEAL CONTACT [--remove]`",
    "items": "use `deal item add` and `deal item remove`",
    "activities": "add one with `log`; tasks and meetings change with `task` and `meeting`",
    "quotes": "they are recorded by `quote`", "orders": "they are recorded by `order`",
    "invoices": "they are recorded by `invoice`",
}


def _is_list(annotation: Any, of: type | None = None) -> bool:
    """A list (`of` that type of item, as its declaration says: `Annotated` too)."""
    import typing

    if typing.get_origin(annotation) is not list:
        return False
    if of is None:
        return True
    item = typing.get_args(annotation)[0]
    while typing.get_origin(item) is typing.Annotated:
        item = typing.get_args(item)[0]
    return item is of


def text_list(raw: str, key: str) -> list[str]:
    """`a, b` or `[a, "b,c"]` given to `key=`: the texts as written (`0401234567` and
    `true` stay text), a comma inside double quotes kept; empty ones left out."""
    import csv

    text = raw.strip()
    if text.startswith("["):
        inner = text[1:-1] if text.endswith("]") else "["
        if any(ch in inner for ch in "[]{}"):
            raise UsageError(f"`{key}`: expected texts separated by commas, or a list like "
                             f"[a, \"b, c\"]; got {raw!r}")
        text = inner
    texts = next(csv.reader([text], skipinitialspace=True)) if '"' in text else \
        text.split(",")
    return [t.strip() for t in texts if t.strip()]


def custom_value(field: Any, key: str, raw: str) -> Any:
    """`key=RAW` for a custom field, typed as declared (a list written inline)."""
    from salescli.core import custom
    from salescli.store.yamlio import inline

    if field.type != "text":
        one_line(raw, f"`{key}`")
    if raw.strip() in NULLS:  # cleared, as a field of the record's own is
        return None
    try:
        value = custom.parse(field, key, raw)
    except ValueError as err:
        raise UsageError(str(err)) from None
    if field.type == "date" and value is not None:
        from salescli.core.dates import day_of

        return day_of(value, key)
    return inline(value) if isinstance(value, list) else value


def one_line(value: str, name: str,
             how: str = "only text fields may hold several lines") -> None:
    """Refuse a line break (as YAML reads one) in a value that is one line, `name` as the
    user gave it (`` `phone` ``, `--address`)."""
    if LINE_BREAK.search(value):
        raise UsageError(f"{name} is one line: the value given has a line break ({how})")


def check_listed(changes: dict[str, Any], settings: Any) -> None:
    """Owners and sources set by hand come from the settings, as on `add`."""
    for key, attr in (("owner", "owners"), ("source", "sources")):
        if isinstance(changes.get(key), str):
            choose(changes[key], getattr(settings, attr), key)


def describe(changes: dict[str, Any]) -> tuple[str, str]:
    """(`k=v, ...` for the user, the commit subject's summary of it), each one line.

    A line break or control character in a value shows as its escape (`a\\nb`).
    """
    from salescli.core.output import terminal_safe

    def shown(v: Any) -> str:  # as the file has it: `true`, `[SAP, Oracle]`
        if isinstance(v, bool):
            return "true" if v else "false"
        return "[" + ", ".join(map(str, v)) + "]" if isinstance(v, list) else str(v)

    summary = ", ".join(f"{k}=" + terminal_safe("" if v is None else shown(v), cell=True)
                        for k, v in changes.items())
    return summary, summary if len(summary) <= 60 else ", ".join(changes)


def sets(data: Any, changes: dict[str, Any], kind: str) -> None:
    """`apply_sets` in the kind's key order, comments after the record kept last."""
    keep_tail(data, lambda: apply_sets(data, changes, key_order(kind)))


def add_entry(data: Any, kind: str, key: str, item: dict[str, Any]) -> None:
    """Append `item` to the block list `key` of a record's round-trip tree: the list
    started in its documented place when absent, null or an inline `[]`, nested values
    styled as a new record writes them, comments after the record kept last."""
    from salescli.store.yamlio import append_in
    from salescli.store.yamlio import commented

    append_in(data, key, commented(item, FLOW_KEYS), key_order(kind))


def appended(text: str, kind: str, key: str, item: dict[str, Any],
             inline: bool = False) -> str:
    """`text` with `item` appended to its block list `key` (an activity, a contact; an
    item, a stakeholder or a document's entry `inline`): spliced in after the last
    entry, every other byte kept, where the text allows; else through the round trip
    (`add_entry`). The one way the commands and an import add an entry to a record."""
    from salescli.store.yamlio import append_in
    from salescli.store.yamlio import append_item
    from salescli.store.yamlio import flow
    from salescli.store.yamlio import roundtrip_edit
    from salescli.store.yamlio import start_inline_list

    spliced = append_item(text, key, item, inline)
    if spliced is None and inline:  # the first one: `items:` and its line
        spliced = start_inline_list(text, key, item, key_order(kind))
    if spliced is not None:
        return spliced
    if inline:
        return roundtrip_edit(text, lambda data: append_in(data, key, flow(item),
                                                           key_order(kind)))
    return roundtrip_edit(text, lambda data: add_entry(data, kind, key, item))


# ------------------------------------------------------------------ `KIND edit`

EDIT_MARK = "# salescli: "
EDIT_ROUNDS = 20


def _strip_header(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith(EDIT_MARK):
        lines.pop(0)
    return "".join(lines)


def _header(errors: list[str]) -> str:
    lines = ["fix what is below and save, or empty the file to abort", *errors]
    return "".join(f"{EDIT_MARK}{line}\n" for line in lines)


def edit_in_editor(repo: Any, kind: str, record_id: str, run_editor: Callable[[str], None],
                   opts: Options = COMMIT) -> tuple[Session, str, bool]:
    """`KIND edit ID`, like `crontab -e`: `run_editor(path)` until the file is valid,
    with its errors as comments at the top; returns (the change, the file, whether it
    changed). Nothing invalid is ever written."""
    import os
    import tempfile

    from salescli.services.check import record_errors
    from salescli.store.loader import to_diagnostic

    with opts.session(repo, kind, record_id, "edit", summary="edit") as s:
        # an invalid file can be opened too, committed conflict markers and all:
        # fixing it is what `edit` is for
        path = s.repo.find(kind, record_id)
        s.guard(path, markers=False)
        rel = s.repo.rel(path)
        lock = s.repo.git_dir / "index.lock"
        if lock.exists():  # the commit would fail once the user has typed it all
            from salescli.store.gitio import reason_text

            raise SalescliError(f"cannot edit {rel} now: " + reason_text(
                f"fatal: Unable to create '{lock}': File exists.", 128))
        # newline="": the file reaches the editor, and comes back, with its own
        # line endings (a CRLF file stays CRLF)
        with open(path, encoding="utf-8", newline="") as fh:
            original = fh.read()
        shown = original
        with tempfile.TemporaryDirectory(prefix="salescli-") as tmp:
            scratch = os.path.join(tmp, f"{record_id}.yaml")
            for _round in range(EDIT_ROUNDS):
                with open(scratch, "w", encoding="utf-8", newline="") as fh:
                    fh.write(shown)
                run_editor(scratch)
                with open(scratch, encoding="utf-8", newline="") as fh:
                    edited = fh.read()
                text = _strip_header(edited)
                if not text.strip():
                    raise SalescliError(f"{rel}: emptied in the editor; nothing changed")
                if edited == shown:
                    if text == original:
                        return s, rel, False
                    raise SalescliError(f"{rel}: still invalid and not saved again; "
                                        "nothing changed")
                parsed = parse_text(kind, rel, text, declared=custom_fields(s.repo, kind))
                errors = [to_diagnostic(f, text) for f in parsed.findings
                          if f.severity == "error"]
                if not errors and parsed.model is not None:
                    errors = [to_diagnostic(f, None)
                              for f in record_errors(s.repo, kind, rel, parsed.model)]
                if not errors:
                    break
                # lines as the editor shows them, below the header's (one, and one an error)
                below = 1 + len(errors)
                shown = _header([f"line {d.line + below}: {d.message}"
                                 if d.line > 1 or d.column > 1 else d.message
                                 for d in errors]) + text
            else:  # a scripted $EDITOR that never converges must not loop forever
                raise SalescliError(f"{rel}: still invalid after {EDIT_ROUNDS} edits; "
                                    "nothing changed")
        before = parse_text(kind, rel, original).model if kind in ("deal", "lead") else None
        if before is not None:  # stage and status change only as the commands change them
            if kind == "deal":
                from salescli.services.deals import edited

                edited(s.repo, record_id, before, parsed.model)
            else:
                from salescli.services.leads import edited as lead_edited

                lead_edited(s.repo, before, parsed.model)
        # saved, but said: a key typed wrong (`domian:`) is kept as written, and unused
        s.notes += [f"{rel}:{d.line}: {d.message}" for d in
                    (to_diagnostic(f, text) for f in parsed.findings
                     if f.severity == "warning")]
        s.write(path, text)
    return s, rel, True


def custom_fields(repo: Any, kind: str) -> dict[str, Any]:
    """The custom fields of `kind` declared in the repository's settings."""
    from salescli.core.custom import declared

    return declared(repo.settings, kind)
