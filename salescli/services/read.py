"""Reading records through the record index, for the commands that only read.

Every function takes `warn`, which says (on stderr, in the CLI) which invalid files
were left out: a read never fails on a broken record, `check` reports it.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from salescli.core.ids import KINDS

Warn = Callable[[str], None]


def records_index(repo: Any, kinds: Sequence[str], warn: Warn, use_cache: bool = True,
                  ahead: Callable[[Any], Any] | None = None,
                  about: tuple[str, str] | None = None) -> Any:
    """The record index with `kinds` current; invalid files are noted through `warn`.
    `ahead`: the question the caller will `ask` first (`Index.open`). `about`: the one
    record (kind, ID) the caller answers for, refused with its file's first problem
    when the index could not read it, as every command that reads the record says it
    (rather than an answer without it, as if it had nothing)."""
    from salescli.store.index import Index
    from salescli.store.repo import file_id

    index = Index.open(repo, kinds, use_cache=use_cache, ahead=ahead)
    try:
        if about is not None and any(file_id(rel) == about[1]
                                     for rel in index.invalid(about[0])):
            repo.load(*about)  # raises, unless the file was mended this instant
    except BaseException:
        index.close()
        raise
    for kind in kinds:
        skipped(index.invalid(kind), warn)
    return index


def skipped(bad: Sequence[str], warn: Warn) -> None:
    """Say that the invalid files `bad` (of one kind) were left out."""
    if bad:
        warn(f"warning: skipped {len(bad)} invalid file(s) such as {bad[0]}; "
             "run `salescli check` for details")


def load_matching(repo: Any, kind: str, warn: Warn, where: str = "1",
                  params: tuple = ()) -> list[Any]:
    """The valid records of `kind` whose index row matches `where` (SQL over the kind's
    table), read and validated from their files: the few a command needs, in path
    order, without parsing every file."""
    from salescli.store.loader import parse_file
    from salescli.store.repo import KIND_DIRS

    with records_index(repo, (kind,), warn) as index:
        paths = [r["path"] for r in index.query(
            f'SELECT path FROM "{KIND_DIRS[kind]}" WHERE {where} ORDER BY path', params)]
    parsed = (parse_file(repo.root, kind, rel) for rel in paths)
    return [p.model for p in parsed if p.ok]


def unreadable_naming(repo: Any, rels: Sequence[str], values: Sequence[str | None]
                      ) -> tuple[str, str] | None:
    """(file, value) for the first of `rels`, files salescli cannot read as records,
    whose text names one of `values` (folded as IDs are: case, accents and punctuation
    aside), or that cannot be opened at all: a record that a command looking for those
    values cannot vouch it has not found."""
    from salescli.core.ids import fold

    wanted = [(v, f"-{f}-") for v in values if v and (f := fold(v))]
    for rel in rels:
        try:
            with open(repo.root / rel, "rb") as fh:
                text = f"-{fold(fh.read().decode('utf-8', 'replace'))}-"
        except OSError:
            if wanted:
                return rel, wanted[0][0]
            continue
        for value, folded in wanted:
            if folded in text:
                return rel, value
    return None


def refuse_unreadable(found: tuple[str, str] | None, then: str, may: str = "") -> None:
    """Refuse a command that could not read a file which names what it looks for
    (`unreadable_naming`); `may`: what that file may be, `then`: what else the user can
    do."""
    from salescli.core.errors import SalescliError

    if found:
        raise SalescliError(f"{found[0]} names `{found[1]}` but cannot be read as a record"
                            f"{may} (see `salescli check`): fix it first{then}")


def key_matches(repo: Any, kinds: Sequence[str], pairs: Sequence[tuple[str, str]],
                warn: Warn, unsure: str = "") -> list[Any]:
    """The identity keys the record index keeps (core/duplicates.py) of the valid
    records of `kinds` that equal one of `pairs` (what, value): rows of kind, id, path,
    what, value, contact, line, in the order of `kinds`, then path and contact. One
    query, where duplicate matching read every record (0.35 s on 8,000 accounts).

    An invalid file of `kinds` that names one of the values refuses the command (a
    duplicate the index could not see); `unsure` says what else the user can do."""
    wanted = [p for p in dict.fromkeys(pairs) if p[1]]
    with records_index(repo, kinds, lambda _: None) as index:  # refused, or warned below
        rows = [] if not wanted else index.query(
            "SELECT kind, id, path, what, value, contact, line FROM keys "
            f"WHERE kind IN ({', '.join('?' * len(kinds))}) AND ("
            + " OR ".join("(what = ? AND value = ?)" for _ in wanted) + ")",
            (*kinds, *(v for p in wanted for v in p)))
        unreadable = [index.invalid(kind) for kind in kinds]
    if wanted:
        refuse_unreadable(unreadable_naming(repo, [r for bad in unreadable for r in bad],
                                            [v for _, v in wanted]),
                          unsure, ", so it may be the same record")
    for bad in unreadable:
        skipped(bad, warn)
    rank = {kind: n for n, kind in enumerate(kinds)}
    return sorted(rows, key=lambda r: (rank[r["kind"]], r["path"], -1 if r["line"] is None
                                       else r["line"]))


def find(repo: Any, kind: str, record_id: str) -> tuple[dict, dict]:
    """(the record as JSON has it, its row of the kind's table: for a deal its value,
    currency and pipeline as reports count them): from the record index when it holds
    the file as it is now — no YAML, no validation for a `show` — else read from the
    file (then a bad one is refused as every command refuses it)."""
    return _indexed(repo, kind, record_id) or _from_file(repo, kind, record_id)


def _indexed(repo: Any, kind: str, record_id: str) -> tuple[dict, dict] | None:
    import json
    import sqlite3
    from decimal import Decimal

    from salescli.store.index import Index
    from salescli.store.index import index_path
    from salescli.store.repo import KIND_DIRS

    if not index_path(repo).exists():
        return None
    rel = repo.rel(repo.find(kind, record_id))
    try:
        with Index.open(repo, ()) as index:
            if kind == "deal":  # its row's value, currency and prices follow the settings
                index.check_config()
            found = index.current(kind, rel)
            if found and index.con.execute(  # two files of one ID: their items are mixed
                    "SELECT count(*) FROM records WHERE kind = ? AND id = ?",
                    (kind, record_id)).fetchone()[0] > 1:
                return None
            row = found and index.con.execute(
                f'SELECT * FROM "{KIND_DIRS[kind]}" WHERE path = ?', (rel,)).fetchone()
            items = found and kind == "deal" and index.con.execute(
                "SELECT * FROM items WHERE deal_id = ? ORDER BY line", (record_id,)).fetchall()
    except sqlite3.Error:
        return None
    if not found or not row:
        return None
    row = dict(row)
    if kind == "deal":  # priced as the quote prices them
        row["items"] = [dict(item) for item in items or ()]
    # JSON numbers back to the Decimals the model holds (it reads floats by their repr)
    return json.loads(found["json"], parse_float=Decimal), row


def _from_file(repo: Any, kind: str, record_id: str) -> tuple[dict, dict]:
    import json
    from decimal import Decimal

    from salescli.core.money import deal_value
    from salescli.core.output import to_jsonable
    from salescli.store.export import item_rows
    from salescli.store.index import record_dict

    model = repo.load(kind, record_id)
    doc = json.loads(json.dumps(record_dict(model), default=to_jsonable), parse_float=Decimal)
    row: dict = {}
    if kind == "deal":
        row = {"value": deal_value(model, repo.products),
               "currency": repo.settings.currency_of(model),
               "pipeline": repo.settings.pipeline_of(model),
               "items": list(item_rows([model], repo.products))}
    return doc, row


# what a filter option's value is checked against: the settings' list (if any), then
# the values records hold, from these kinds' tables of the index
_FILTER_VALUES = {
    "owner": ("owners", KINDS,
              "SELECT owner FROM accounts UNION SELECT owner FROM leads "
              "UNION SELECT owner FROM deals UNION SELECT owner FROM activities"),
    "source": ("sources", ("lead", "deal"),
               "SELECT source FROM leads UNION SELECT source FROM deals"),
    # a stage deals still sit in that no pipeline has (renamed, removed): findable
    "stage": (None, ("deal",), "SELECT stage FROM deals"),
    # an account listing's own filters: what the accounts hold (tags: each of them)
    "industry": (None, ("account",), "SELECT industry FROM accounts"),
    "region": (None, ("account",), "SELECT region FROM accounts"),
    "tag": (None, ("account",), "SELECT t.value FROM records r, json_each(r.json, "
            "'$.tags') t WHERE r.kind = 'account'"),
    "account": (None, ("account", "deal"),
                "SELECT id FROM records WHERE kind = 'account' "
                "UNION SELECT account_id FROM deals"),
}


def filter_values(repo: Any, what: str, use_cache: bool = True) -> list[str]:
    """The values a filter (`--owner`, `--source`, `--account`) can match: the settings'
    list in its order, then what records hold that it does not (an owner who left
    still owns old deals), sorted. From the record index, never by parsing every file."""
    from salescli.core.errors import SalescliError
    from salescli.store.config import config_of

    setting, kinds, sql = _FILTER_VALUES[what]
    listed: list[str] = []
    if setting:
        try:  # the plain configuration: cached, no validation on the way to a listing
            listed = list(getattr(config_of(repo, lambda _: None), setting))
        except SalescliError:  # broken settings are `check`'s to report, not a filter's
            listed = []
    # invalid files are left out silently: the listing that follows names them
    with records_index(repo, kinds, lambda _: None, use_cache) as index:
        held = {r[0] for r in index.query(sql) if r[0]}
    return listed + sorted(held - set(listed))


def number_style(repo: Any, warn: Warn) -> Any:
    """The settings' locale as tables show numbers in it (`core.l10n.Style`), from the
    cached configuration; with broken settings (`check`'s to report), en_US."""
    from salescli.core.errors import SalescliError
    from salescli.store.config import style_of

    try:
        return style_of(repo, warn)
    except SalescliError:
        from salescli.core.l10n import Style

        return Style.of("en_US")


def record_ids(repo: Any, kinds: Sequence[str], statuses: Sequence[str] = ()) -> list[str]:
    """The IDs of the records of `kinds`, sorted, from the record index; with
    `statuses`, only the valid ones in those statuses (a converted lead is in none:
    no status change applies to it)."""
    from salescli.store.repo import KIND_DIRS

    with records_index(repo, kinds, lambda _: None) as index:
        if not statuses:
            marks = ", ".join("?" * len(kinds))
            rows = index.query(f"SELECT DISTINCT id FROM records WHERE kind IN ({marks})",
                               tuple(kinds))
        else:
            kind, = kinds
            marks = ", ".join("?" * len(statuses))
            converted = " AND converted_account IS NULL" if kind == "lead" else ""
            rows = index.query(f'SELECT id FROM "{KIND_DIRS[kind]}" '
                               f"WHERE status IN ({marks}){converted}", tuple(statuses))
    return sorted({r[0] for r in rows})


def referrers(repo: Any, kind: str, column: str, value: str) -> list[str]:
    """The IDs of the records of `kind` whose `column` (of the index's table) is `value`:
    the deals of an account, the leads converted into a deal..."""
    from salescli.store.repo import KIND_DIRS

    with records_index(repo, (kind,), lambda _: None) as index:
        rows = index.query(f'SELECT id FROM "{KIND_DIRS[kind]}" WHERE "{column}" = ? '
                           "ORDER BY id", (value,))
        unreadable = index.invalid(kind)
    # a record the index could not read may name `value` too: its reference would be
    # left behind, to a record that is gone
    refuse_unreadable(unreadable_naming(repo, unreadable, [value]), "; nothing was changed")
    return [r[0] for r in rows]


# an account and its child accounts, recursively, as an SQL subquery of one parameter
# (the account ID); UNION, not UNION ALL, so a cycle in hand-edited parents ends
FAMILY_SQL = ("WITH RECURSIVE family(id) AS (SELECT ? UNION "
              "SELECT a.id FROM accounts a JOIN family f ON a.parent = f.id) "
              "SELECT id FROM family")


def rollup(repo: Any, account_id: str, warn: Warn) -> dict[str, list[dict]]:
    """An account's roll-up from the record index: its child accounts (recursively,
    with their parent), and the deals of the account and of every child with their
    count and value per status and currency. In the order listings use."""
    from salescli.core.money import from_float

    with records_index(repo, ("account", "deal"), warn) as index:
        children = [dict(r) for r in index.query(
            f"SELECT id, name, parent, owner FROM accounts WHERE id IN ({FAMILY_SQL}) "
            "AND id != ? ORDER BY id", (account_id, account_id))]
        found = index.query(
            f"SELECT id, title, account_id, stage, status, value, currency, close_date, owner "
            f"FROM deals WHERE account_id IN ({FAMILY_SQL}) ORDER BY status != 'open', "
            "status, coalesce(close_date, won_date, lost_date, created), id", (account_id,))
    deals = [{**dict(r), "value": None if r["value"] is None else from_float(r["value"])}
             for r in found]
    totals: dict[tuple[str, str], dict] = {}
    for d in deals:
        key = (d["status"], d["currency"])
        row = totals.setdefault(key, {"status": d["status"], "currency": d["currency"],
                                      "count": 0, "value": from_float(0)})
        row["count"] += 1
        row["value"] += d["value"] or 0
    order = {"open": 0, "won": 1, "lost": 2}
    return {"children": children, "deals": deals,
            "totals": sorted(totals.values(),
                             key=lambda t: (order.get(t["status"], 3), t["currency"] or ""))}


# an activity (`a`, its deal `d`, lead `x`) that is moot: a disqualified lead's, or a
# lost deal's dated by its loss (one dated after it stays: a way back). `today`, the
# calendar and the open tasks leave these out
MOOT_ACTIVITY = """(a.record_kind = 'deal' AND coalesce(d.status, '') = 'lost'
    AND (d.lost_date IS NULL OR a.date <= d.lost_date))
  OR (a.record_kind = 'lead' AND coalesce(x.status, '') = 'disqualified')"""

# the IDs more than one kind has (a converted lead's: lead, account and deal)
_SHARED_IDS = """SELECT id FROM (SELECT id FROM deals UNION ALL SELECT id FROM leads
  UNION ALL SELECT id FROM accounts) GROUP BY id HAVING count(*) > 1"""


def pasted_target(index: Any) -> Callable[[str, str], str]:
    """How a command to paste names a record (`task done TARGET N`): `deal:ID` where
    another kind has the ID too (a converted lead's usually do), else the bare ID."""
    shared = {r[0] for r in index.query(_SHARED_IDS)}
    return lambda kind, record_id: f"{kind}:{record_id}" if record_id in shared \
        else record_id


def custom_shown(repo: Any, kind: str, record: dict[str, Any]) -> list[tuple[str, Any]]:
    """The custom fields a record holds, as `show` prints them (name, text), in the
    order the settings declare them; the settings read only when the record has a key
    the kind does not define."""
    from salescli.core.model import key_order

    known = set(key_order(kind))
    if all(k in known for k in record):
        return []
    from salescli.core.custom import cell

    return [(name, cell(record[name], field)) for name, field in _declared(repo, kind).items()
            if record.get(name) not in (None, [], "")]


def _declared(repo: Any, kind: str) -> dict[str, Any]:
    from salescli.core.custom import declared

    return declared(repo.settings, kind)


def custom_filter(repo: Any, kind: str, pairs: Sequence[str]) -> tuple[list[str], list[Any]]:
    """`--field NAME=VALUE` filters of a listing as SQL over the record's JSON (`r.json`
    of the index's `records`): (clauses, parameters). A multi-choice field matches a
    record holding VALUE among its choices."""
    from salescli.core.custom import parse
    from salescli.core.errors import UsageError
    from salescli.core.words import unknown

    if not pairs:
        return [], []
    fields = _declared(repo, kind)
    clauses: list[str] = []
    params: list[Any] = []
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--field: expected NAME=VALUE, got {pair!r}")
        if name not in fields:
            raise UsageError(unknown("--field", f"{kind} custom field", name, list(fields),
                                     "custom fields", "`custom_fields:` in salescli.yaml"))
        field = fields[name]
        path = f'$."{name}"'
        if not raw.strip():  # `NAME=`: records without a value
            clauses.append("json_extract(r.json, ?) IS NULL")
            params.append(path)
            continue
        try:
            value = parse(field, f"--field {name}", raw.split(",")[0]
                          if field.type == "multi-choice" else raw)
        except ValueError as err:
            raise UsageError(str(err)) from None
        if field.type == "multi-choice":
            clauses.append("EXISTS (SELECT 1 FROM json_each(r.json, ?) WHERE value = ?)")
            params += [path, value[0]]
            continue
        if field.type == "date":
            from salescli.core.dates import day_of

            value = day_of(value, f"--field {name}").isoformat()
        elif field.type == "bool":
            value = int(value)  # JSON true reads as 1 in SQLite
        elif field.type in ("number", "money"):
            value = float(value)
        clauses.append("json_extract(r.json, ?) = ?")
        params += [path, value]
    return clauses, params


def listing_columns(repo: Any, kind: str, asked: str | None, default: Sequence[str]
                    ) -> tuple[list[str], list[str], list[str]]:
    """`--columns a,b,...`: (the columns to show, the custom fields among them, the
    columns of the kind's table among them); every name is one of the listing's own
    columns, a custom field of the kind, or a column of its table (`docs/export.md`:
    `last_activity`, `source`, `created`...). A custom field comes before a table
    column of the same name: the user declared it."""
    from salescli.core.errors import UsageError
    from salescli.core.tables import TABLE
    from salescli.core.words import unknown
    from salescli.store.repo import KIND_DIRS

    if asked is None:
        return list(default), [], []
    names = [n.strip() for n in asked.split(",") if n.strip()]
    if not names:
        raise UsageError("--columns: name at least one column, e.g. --columns id,title")
    fields = _declared(repo, kind) if any(n not in default for n in names) else {}
    stored = [c for c in TABLE[KIND_DIRS[kind]].names if c not in default and c not in fields]
    for name in names:
        if name not in default and name not in fields and name not in stored:
            raise UsageError(unknown("--columns", "column", name, [*default, *fields, *stored],
                                     "columns", f"`salescli {kind} list --help` and the "
                                     f"{KIND_DIRS[kind]} table in docs/export.md"))
    return (names, [n for n in names if n in fields and n not in default],
            [n for n in names if n in stored])


def custom_cells(repo: Any, kind: str, found: Sequence[Any], names: Sequence[str]
                 ) -> list[dict[str, Any]]:
    """The custom fields `names` of each listed row (with its `json`), as table cells."""
    import json
    from decimal import Decimal

    from salescli.core.custom import cell

    if not names:
        return [{} for _ in found]
    fields = _declared(repo, kind)
    out = []
    for row in found:
        doc = json.loads(row["json"], parse_float=Decimal)
        out.append({n: cell(doc.get(n), fields.get(n)) for n in names})
    return out
