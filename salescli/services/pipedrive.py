"""`salescli import pipedrive`: Pipedrive's CSV exports as records with their history.

Deals, organizations, people, activities and notes, matched by Pipedrive's own IDs so a
repeated import changes only what changed in Pipedrive (SPEC §10; README "Moving from
Pipedrive"). The planning itself is `importer.Planner`'s; this module knows Pipedrive's
columns and how its files refer to each other.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from msgspec import Struct

from salescli.core.cells import currency_code
from salescli.core.cells import time_of_day
from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.core.vocabulary import BOOKABLE
from salescli.services.importer import Plan
from salescli.services.importer import Planned
from salescli.services.importer import Planner
from salescli.services.importer import Source
from salescli.services.importer import Table
from salescli.services.importer import amounts_decimal_comma
from salescli.services.importer import cells_of
from salescli.services.importer import columns_starting
from salescli.services.importer import date_cells
from salescli.services.importer import dates_reading
from salescli.services.importer import id_value
from salescli.services.importer import match_columns
from salescli.services.importer import norm_header
from salescli.services.importer import norm_name
from salescli.services.importer import nul_cells
from salescli.services.importer import parse_map
from salescli.services.importer import plain_text
from salescli.services.importer import read_table
from salescli.services.importer import rows_of
from salescli.services.importer import shown
from salescli.services.importer import summarise

# field -> header aliases (normalised), tried with the file's prefix (`deal `) and without
DEAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("id",),
    "title": ("title", "deal title", "name"),
    "value": ("value",),
    "currency": ("currency", "currency of value", "value currency"),
    "pipeline": ("pipeline",),
    "stage": ("stage",),
    "status": ("status",),
    "probability": ("probability",),
    "label": ("label", "labels"),
    "organization": ("organization", "organization name", "organisation",
                     "organisation name"),
    "org_id": ("organization id", "organisation id"),
    "person": ("contact person", "person", "person name", "contact person name"),
    "person_id": ("contact person id", "person id"),
    "close_date": ("expected close date",),
    "lost_reason": ("lost reason",),
    "owner": ("owner", "owner name", "deal owner", "user"),
    "created": ("deal created", "add time", "created", "deal created on", "created at"),
    "update_time": ("update time", "updated", "last updated", "update date"),
    "stage_change": ("last stage change", "stage change time", "stage changed"),
    "won_time": ("won time",),
    "lost_time": ("lost time",),
    "close_time": ("close time", "deal closed on", "closed on"),
    "source": ("source", "source channel", "lead source"),
    "last_activity": ("last activity date",),
    "next_activity": ("next activity date",),
}
# what an export holds that salescli works out itself, so the import leaves it by design
DERIVED_COLUMNS = ("weighted value", "currency of weighted value")
ORG_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("id",),
    "name": ("name", "organization", "organization name"),
    "owner": ("owner", "owner name"),
    "created": ("organization created", "add time", "created"),
    "domain": ("website", "domain", "web domain"),
    "business_id": ("business id", "y tunnus", "vat number", "vat id", "company id",
                    "company number", "registration number", "org nr", "organisation number"),
    "address": ("address", "full address", "address full combined address of address",
                "address formatted address"),
    "labels": ("labels", "label"),
    "industry": ("industry", "sector"),
    "size": ("number of employees", "employees", "company size", "size"),
}
PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("id",),
    "name": ("name", "person", "full name"),
    "organization": ("organization", "organization name", "organisation"),
    "org_id": ("organization id", "organisation id"),
    "title": ("job title", "title"),
    "created": ("person created", "add time", "created"),
}
ACTIVITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("id",),
    "subject": ("subject", "title"),
    "type": ("type",),
    "done": ("done", "status"),
    "due": ("due date", "date"),
    "due_time": ("due time", "time"),
    "created": ("add time", "created"),
    "done_time": ("marked as done time", "done time"),
    "owner": ("assigned to user", "owner", "user"),
    "deal_id": ("deal id",),
    "deal": ("deal", "deal title"),
    "organization": ("organization", "organization name", "organisation"),
    "person": ("person", "contact person", "person name"),
    "note": ("note", "public description", "description"),
}
NOTE_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("id",),
    "content": ("content", "note"),
    "created": ("add time", "created", "date"),
    "owner": ("user", "owner", "author"),
    "deal_id": ("deal id",),
    "deal": ("deal", "deal title"),
    "organization": ("organization", "organization name", "organisation"),
    "person": ("person", "contact person", "person name"),
}
REQUIRED_DEAL_COLUMNS = {"title": "Deal - Title", "stage": "Deal - Stage",
                         "status": "Deal - Status",
                         "created": "Deal - Deal created (or Deal - Add time)"}
# Pipedrive's activity types -> salescli's
ACTIVITY_TYPES = {"call": "call", "meeting": "meeting", "email": "email", "task": "task",
                  "deadline": "task", "lunch": "meeting", "demo": "demo"}


def address_parts(table: Table, prefix: str, used: Iterable[int]) -> list[int]:
    """The columns of an address split into parts (street, postal code, city...)."""
    taken = set(used)
    return [i for i in columns_starting(table, prefix, "address") if i not in taken]


class PipedriveFiles(Struct):
    """The files of one Pipedrive export; only the deals are required."""

    deals: Path
    organizations: Path | None = None
    persons: Path | None = None
    activities: Path | None = None
    notes: Path | None = None


class PipedriveOptions(Struct):
    stage_map: str | None = None
    pipeline_map: str | None = None
    pipeline: str | None = None
    date_format: str | None = None
    default_close: dt.date | None = None
    decimal_comma: bool | None = None  # None: as the file's amounts show
    currency: str | None = None
    person_accounts: bool = False
    encoding: str = "utf-8"  # of every file of the export


def plan_pipedrive(repo: Any, files: PipedriveFiles, options: PipedriveOptions) -> Plan:
    """Plan a Pipedrive export's import: accounts, contacts, deals, their closes and
    activities; on a repeat, only what changed since the last import."""
    from salescli.core.dates import day_of

    dates = dates_reading(options.date_format)
    planner = Planner(repo, dates, options.pipeline, tool="pipedrive")
    planner.person_accounts = options.person_accounts
    if options.currency:
        try:
            planner.currency_hint = currency_code(options.currency)
        except ValueError as err:
            raise UsageError(f"--currency: {err}") from None
        from salescli.services.deals import check_currency

        check_currency(planner.currency_hint)
    all_stages = [s.id for p in repo.pipeline_paths() for s in _stages(repo, p.stem)]
    stage_map = parse_map(options.stage_map, "--stage-map", all_stages, "stage of any pipeline")
    pipeline_map = parse_map(options.pipeline_map, "--pipeline-map",
                             [p.stem for p in repo.pipeline_paths()], "pipeline")
    deal_table = read_table(files.deals, encoding=options.encoding)
    deal_cols = match_columns(deal_table, DEAL_COLUMNS, "deal")
    missing = [label for key, label in REQUIRED_DEAL_COLUMNS.items() if key not in deal_cols]
    if missing:
        raise UsageError(f"{deal_table.name}: no column {', '.join(missing)}; is this "
                         "Pipedrive's deals export? Headers found: "
                         + ", ".join(deal_table.headers[:12]))
    planner.labels.update({k: deal_table.headers[i] for k, i in deal_cols.items()})
    tables = [(deal_table, deal_cols)]
    optional = [(files.organizations, ORG_COLUMNS, "organization", "Organization - Name"),
                (files.persons, PERSON_COLUMNS, "person", "Person - Name"),
                (files.activities, ACTIVITY_COLUMNS, "activity", "Activity - Subject"),
                (files.notes, NOTE_COLUMNS, "note", "Note - Content")]
    others: dict[str, tuple[Table, dict[str, int]] | None] = {}
    for path, columns, prefix, what in optional:
        if path is None:
            others[prefix] = None
            continue
        table = read_table(path, encoding=options.encoding)
        cols = match_columns(table, columns, prefix)
        key = {"organization": "name", "person": "name", "activity": "subject",
               "note": "content"}[prefix]
        if key not in cols:
            raise UsageError(f"{table.name}: no column {what}; headers found: "
                             + ", ".join(table.headers[:12]))
        others[prefix] = (table, cols)
        tables.append((table, cols))
    for table, cols in tables:
        planner.errors += nul_cells(table, cols, _multi_columns(table))
    dates.observe(date_cells(tables, ("created", "close_date", "won_time", "lost_time",
                                       "close_time", "update_time", "stage_change",
                                       "last_activity", "next_activity", "due", "done_time")))
    planner.decimal_comma = options.decimal_comma
    if planner.decimal_comma is None:  # None: nothing tells; a mixed file is refused
        planner.decimal_comma = amounts_decimal_comma(deal_table, deal_cols)
    owner_names = [row.get("owner", "") for t, c in tables if "owner" in c
                   for _, row in rows_of(t, c)]
    planner.learn_owners(row for _, row in rows_of(deal_table, deal_cols))
    planner.owners.plan(owner_names)
    planner.sources.plan(row.get("source", "") for _, row in rows_of(deal_table, deal_cols))

    # an export of one pipeline goes into this one, whatever Pipedrive calls it
    named = {row.get("pipeline", "").strip() for _, row in rows_of(deal_table, deal_cols)}
    named.discard("")
    notes = []
    if len(named) == 1:
        only = named.pop()
        if norm_header(only) not in pipeline_map and not \
                (repo.root / "pipelines" / f"{planner._slug(only)}.yaml").is_file():
            pipeline_map[norm_header(only)] = planner.pipe.name
            notes.append(f"Pipedrive pipeline {shown(only)} imported as pipeline "
                         f"{planner.pipe.name} (--pipeline-map to choose another)")
    # organizations and persons before deals: a deal row names its organization, which
    # their IDs tell apart (one renamed in Pipedrive since the last import, two of one
    # name); an organization or person no deal mentions is imported too
    if others["organization"] is not None:
        _plan_organizations(planner, *others["organization"])
    persons_skipped = 0
    if others["person"] is not None:
        persons_skipped = _plan_persons(planner, *others["person"])
    default_close = day_of(options.default_close)
    for where, row in rows_of(deal_table, deal_cols):
        planner.deal(where, row, stage_map, default_close, pipeline_map)
    planner.settle()
    skipped: dict[str, list[Source]] = {}
    for kind in ("activity", "note"):
        if others[kind] is not None:
            skipped[kind] = _plan_activities(planner, kind, *others[kind])
    plan = planner.finish("Imported from Pipedrive")
    plan.rows = sum(len(table.rows) for table, _ in tables)
    summarise(planner, plan)
    plan.notes += notes
    for kind, rows in skipped.items():
        if rows:
            plan.notes.append(
                f"skipped {len(rows)} {kind}(s) of no deal, organization or person of this "
                f"import (a deleted deal's, or a lead's): {rows[0].file}:"
                + ", ".join(str(w.line) for w in rows[:10]) + (", ..." if len(rows) > 10
                                                                else ""))
    if persons_skipped:
        plan.notes.append(f"skipped {persons_skipped} person(s) without an organization "
                          "(salescli keeps people as contacts of an account)")
    unused = [f"{t.name}: {h}" for t, c in tables for i, h in enumerate(t.headers)
              if i not in c.values() and i not in _multi_columns(t)
              and norm_header(h).removeprefix("deal ") not in DERIVED_COLUMNS]
    derived = [h for h in deal_table.headers
               if norm_header(h).removeprefix("deal ") in DERIVED_COLUMNS]
    if derived:
        plan.notes.append(f"not imported, as salescli works it out: {', '.join(derived)}")
    if unused:
        plan.notes.append("columns not imported: " + "; ".join(unused))
    return plan


def _stages(repo: Any, name: str) -> list[Any]:
    try:
        return list(repo.pipeline(name).stages)
    except SalescliError:
        return []


def _multi_columns(table: Table) -> set[int]:
    """Columns read by name pattern rather than alias: e-mails, phones, address parts."""
    prefix = norm_header(table.headers[0]).split(" ")[0] if table.headers else ""
    return {i for start in ("email", "phone", "address")
            for i in columns_starting(table, prefix, start)}


def _plan_organizations(planner: Planner, table: Table, cols: dict[str, int]) -> None:
    parts = address_parts(table, "organization", cols.values())
    for (where, row), (_, cells) in zip(rows_of(table, cols), table.rows, strict=True):
        name = row["name"].strip()
        if not name:
            planner.error(where, f"{table.headers[cols['name']]}: missing")
            continue
        when = planner.when(where, "Add time", row.get("created", ""))
        domain = re.sub(r"^[a-z]+://", "", row.get("domain", "").strip().lower())
        address = row.get("address", "").strip() or ", ".join(
            c.strip() for c in (cells[i] if i < len(cells) else "" for i in parts)
            if c.strip())
        planner.account(name, when or planner.now, where, {
            "business_id": row.get("business_id", "").strip() or None,
            "address": address or None,
            "domain": domain.removeprefix("www.").split("/")[0] or None,
            "owner": planner.owners.get(row.get("owner", "")),
            "tags": [t.strip() for t in row.get("labels", "").split(",") if t.strip()],
            "industry": row.get("industry", "").strip() or None,
            "size": row.get("size", "").strip() or None,  # `120` or a band, as written
        }, external=row.get("external_id", "").strip() or None)


def _plan_persons(planner: Planner, table: Table, cols: dict[str, int]) -> int:
    """Contacts of their organizations' accounts; returns how many had none."""
    emails = columns_starting(table, "person", "email")
    phones = columns_starting(table, "person", "phone")
    skipped = 0
    for (where, row), (_, cells) in zip(rows_of(table, cols), table.rows, strict=True):
        name, org = row["name"].strip(), row.get("organization", "").strip()
        if not name:
            planner.error(where, f"{table.headers[cols['name']]}: missing")
            continue
        if not org:
            skipped += 1
            continue
        when = planner.when(where, "Add time", row.get("created", "")) or planner.now
        account = planner.account(org, when, where,
                                  external=row.get("org_id", "").strip() or None)
        mail, phone = cells_of(cells, emails), cells_of(cells, phones)
        planner.contact(account, name, when, {
            "title": row.get("title", "").strip(),
            "email": mail[0] if mail else None, "phone": phone[0] if phone else None,
            "emails": mail[1:], "phones": phone[1:]},
            external=row.get("external_id", "").strip() or None)
    return skipped


def _plan_activities(planner: Planner, kind: str, table: Table, cols: dict[str, int]
                     ) -> list[Source]:
    """Pipedrive's activities (`kind` activity) or notes as activities of their records;
    returns the rows that belong to none of them."""
    skipped: list[Source] = []
    titles: dict[str, list[Planned]] = {}
    for rec in planner.records:
        if rec.kind == "deal":
            titles.setdefault(rec.data["title"].casefold(), []).append(rec)
    for where, row in rows_of(table, cols):
        target = _activity_target(planner, where, row, titles, skipped)
        if target is None:
            continue
        ext = row.get("external_id", "").strip()
        owner = planner.owners.get(row.get("owner", ""))
        if kind == "note":
            text = plain_text(row.get("content", ""))
            if not text:
                continue
            when = planner.when(where, table.headers[cols["created"]] if "created" in cols
                                else "Add time", row.get("created", "")) or planner.now
            first, _, rest = text.partition("\n")
            activity: dict[str, Any] = {"date": when.date(), "type": "note", "summary": first}
            if rest:
                activity["outcome"] = rest
            done, due = True, None
        else:
            subject = " ".join(row.get("subject", "").split())
            if not subject:
                planner.error(where, f"{table.headers[cols['subject']]}: missing")
                continue
            done = row.get("done", "").strip().casefold() in ("done", "yes", "true", "1",
                                                             "completed")
            due = planner.when(where, "Due date", row.get("due", ""), happened=False)
            created = planner.when(where, "Add time", row.get("created", ""))
            done_at = planner.when(where, "Marked as done time", row.get("done_time", "")) \
                if done else None
            if due is None and (done_at or created) is None:
                planner.error(where, "Due date: missing, and no add time either")
                continue
            if done:  # dated when it was done: its due day may be later, even to come
                when = done_at or (due if due and due <= planner.now else None) or created \
                    or planner.now
                day = when.date()
            else:  # booked for its due day, committed when it was added
                when = created or planner.now
                day = (due or created).date()  # type: ignore[union-attr]
            kind_of = ACTIVITY_TYPES.get(norm_header(row.get("type", "")), "note")
            activity = {"date": day}
            start = row.get("due_time", "").strip()
            # a meeting's start, as the export shows it: booked, or held on its due day
            if start and kind_of in BOOKABLE and (not done or (due and day == due.date())):
                clock = time_of_day(start)
                if clock is None:
                    planner.error(where, f"Due time: {shown(start)} is not a time of day (HH:MM, "
                                  "or 2:30 PM)")
                    continue
                activity["time"] = clock
            activity.update({"type": kind_of, "summary": subject})
            outcome = plain_text(row.get("note", ""))
            if outcome:
                activity["outcome"] = outcome
            if not done:
                activity["status"] = "booked"
            elif kind_of in BOOKABLE:  # a meeting or demo done was held
                activity["status"] = "held"
            elif kind_of == "task" and due:  # as `task done` keeps it: due and done days
                # `done` its own object: one date object twice is written as a YAML alias
                activity.update({"due": due.date(), "done": when.date()})
        if owner:
            activity["owner"] = owner
        if ext:
            activity["external_ids"] = {planner.tool: id_value(ext)}
        planner.activity(where, target, min(when, planner.now), activity, done,
                         due.date() if due else None)
    return skipped


def _activity_target(planner: Planner, where: Source, row: dict[str, str],
                     titles: dict[str, list[Planned]], skipped: list[Source]
                     ) -> Planned | None:
    """The deal an activity or note belongs to, else its organization's or person's
    account; None (reported) when it names none of the import's records."""
    deal_id = row.get("deal_id", "").strip()
    if deal_id:
        found = planner.external("deal", deal_id, where)
        if found is not None:
            return found
    title = row.get("deal", "").strip().casefold()
    if title:  # a deal of this import, or one imported earlier, of that title alone
        earlier = [planner.external("deal", ext, where)
                   for ext in planner.known_titles.get(title, [])]
        matches = list({id(d): d for d in [*titles.get(title, []), *earlier]
                        if d is not None}.values())
        if len(matches) == 1:
            return matches[0]
    org = row.get("organization", "").strip()
    if org:
        key = norm_name(org)
        if key in planner.accounts:
            return planner.accounts[key]
        if planner.existing_account(org) is not None:
            return planner.account(org, planner.now, where)
    person = norm_name(row.get("person", ""))
    if person:
        for account in planner.accounts.values():
            if person in account.contacts or any(
                    norm_name(c.get("name", "")) == person
                    for c in account.data.get("contacts") or []):
                return account
    # a deal deleted in Pipedrive, or a lead's activity (leads are not imported): kept
    # out, and said, rather than refusing the whole import
    skipped.append(where)
    return None
