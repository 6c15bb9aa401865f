"""A quote's lifecycle (`quote accept`, `quote reject`) and orders (`order`).

A recorded quote is `sent` until the customer accepts or rejects it; `expired` is
derived (salescli.core.quote.quote_status), never written. An order confirmation is
numbered across all deals (settings' order.numbering) and recorded on the deal with
its document in one commit, as `quote` records a quote.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from msgspec import Struct

from salescli.core.errors import SalescliError
from salescli.services.documents import Issued
from salescli.services.documents import issue_document
from salescli.services.documents import used_numbers
from salescli.services.options import COMMIT
from salescli.services.options import Options
from salescli.services.read import Warn

ORDERS_DIR = "orders"


class Decision(Struct):
    """The customer's answer to one quote, as `quote accept|reject` records it: the
    entries it goes on (every format or language of that quote is one quote), the
    values they get and the commit summary."""

    entries: list[int]
    changes: dict[str, Any]
    summary: str
    number: str
    version: int

    def apply(self, quotes: Any) -> None:
        """Record it on the deal's `quotes` list (plain or round-trip)."""
        for j in self.entries:
            for key, value in self.changes.items():
                if isinstance(value, dt.date):  # one object twice would be a YAML alias
                    value = dt.date.fromordinal(value.toordinal())
                quotes[j][key] = value


def decision(d: Any, which: str | None, status: str, reason: str | None, when: dt.date,
             validity_days: int) -> Decision:
    """The rule of `quote accept|reject` on deal model `d` (the demo's too): refuses a
    quote already decided or expired, and an acceptance of an older version or of a
    second quote. A new version of the accepted quote may be accepted: the changed
    offer the customer agreed to, the deal's contract from then on."""
    from salescli.core.quote import accepted_quote
    from salescli.core.quote import find_quote
    from salescli.core.quote import is_latest_version
    from salescli.core.quote import quote_status
    from salescli.services.documents import refuse_lost

    i = find_quote(d, which)
    q = d.quotes[i]
    name = f"{q.number} v{q.version}"
    if q.status != "sent":
        raise SalescliError(f"quote {name} of {d.id} was already {q.status}"
                            f"{f' on {q.decided}' if q.decided else ''}")
    if when < q.date:
        raise SalescliError(f"quote {name} of {d.id} is dated {q.date}: the customer's "
                            f"answer comes then or later (--date)")
    if quote_status(q.status, q.date, when, validity_days) == "expired":
        raise SalescliError(
            f"quote {name} of {d.id} expired on "
            f"{q.date + dt.timedelta(days=validity_days)}; re-issue it with "
            f"`salescli quote {d.id}`")
    if status == "accepted":
        refuse_lost(d, "its quote is accepted")
        if not is_latest_version(d, i):
            raise SalescliError(
                f"quote {name} of {d.id} is not the latest version of {q.number}; "
                f"accept the latest (`salescli quote accept {d.id} {q.number}`)")
        other = accepted_quote(d)
        if other is not None and other.number != q.number:
            raise SalescliError(f"{d.id} already has an accepted quote: "
                                f"{other.number} v{other.version}; to change what was "
                                f"accepted, accept a new version of it (`salescli quote "
                                f"{d.id}` makes one)")
    verb = "accept" if status == "accepted" else "reject"
    changes: dict[str, Any] = {"status": status, "decided": when}
    if reason:
        changes["reason"] = reason
    same = [j for j, other in enumerate(d.quotes)
            if (other.number, other.version) == (q.number, q.version)]
    return Decision(same, changes, f"quote {verb} {name}", q.number, q.version)


def _decide(repo: Any, deal_id: str, which: str | None, status: str, reason: str | None,
            opts: Options) -> tuple[Any, str, int]:
    """Record the customer's decision on one of the deal's quotes: one commit (none
    when it is decided so already)."""
    from salescli.core.model import key_order
    from salescli.core.quote import find_quote
    from salescli.services.edit import today
    from salescli.store.yamlio import set_in

    when = today(opts.date)
    verb = "accept" if status == "accepted" else "reject"
    # a quote may be dated ahead, so may its answer (never before it)
    with opts.session(repo, "deal", deal_id, f"quote-{verb}", ahead=True) as s:
        record = s.load("deal", deal_id)
        q = record.model.quotes[find_quote(record.model, which)]
        if q.status == status:  # decided so already: nothing to record
            return s, q.number, q.version
        made = decision(record.model, which, status, reason, when,
                        s.repo.settings.quote.validity_days)
        value = _won_value(s.repo, record.model, q) if status == "accepted" else None
        s.summary = made.summary + (f"; value {value}" if value is not None else "")

        def mutate(data: Any) -> None:
            made.apply(data["quotes"])
            if value is not None:
                set_in(data, "value", value, key_order("deal"))

        s.update(record, mutate)
    return s, made.number, made.version


def _won_value(repo: Any, d: Any, q: Any) -> Any:
    """A won deal's value once a new version of its quote is accepted: that quote's
    total, as `deal win` takes it (None: not won, another currency, or the same)."""
    from salescli.core.quote import quoted_value

    value = quoted_value(q, repo.settings.currency_of(d)) if d.status == "won" else None
    return None if value == d.value else value


def accept(repo: Any, deal_id: str, which: str | None, opts: Options = COMMIT
           ) -> tuple[Any, str, int]:
    """`quote accept`: the customer accepted the quote (the deal's latest unless named);
    returns (the change, its number, its version)."""
    return _decide(repo, deal_id, which, "accepted", None, opts)


def reject(repo: Any, deal_id: str, which: str | None, reason: str,
           opts: Options = COMMIT) -> tuple[Any, str, int]:
    """`quote reject`: the customer turned the quote down, for `reason` (one line, as
    every `--reason`)."""
    from salescli.services.deals import reason as one_reason

    return _decide(repo, deal_id, which, "rejected", one_reason(reason), opts)


def quote_rows(repo: Any, deal: dict, on: dt.date) -> list[dict[str, Any]]:
    """A deal's recorded quotes (as JSON has them) with their status on `on`: the
    validity from the cached settings, so a `deal show` validates no salescli.yaml."""
    from salescli.core.quote import quote_status
    from salescli.store.config import config_of

    validity_days = config_of(repo, lambda _: None).quote_validity_days

    rows = []
    for q in deal.get("quotes") or []:
        date = q["date"] if isinstance(q["date"], dt.date) else dt.date.fromisoformat(
            str(q["date"]))
        rows.append({**q, "status": quote_status(q.get("status"), date, on, validity_days)})
    return rows


# ------------------------------------------------------------------------- orders


class OrderMade(Struct):
    """An order confirmation written to orders/DEAL/ and recorded on the deal."""

    change: Any  # the finished change (its commit), or None for a dry run
    number: str
    quote: str  # the accepted quote, `NUMBER vN`
    file: str  # the document, relative to the repository
    text: str | bytes


def written_with(repo: Any, d: Any, file: str, dated: dt.date) -> tuple[Any, Any] | None:
    """Deal `d` with its items, and the price list, as the commit that added `file` (a
    quote's or an invoice's document, `dated` that day) had them: what the document was
    made from. None when no commit has added it (not committed yet: the files now are
    what it was made from) or they cannot be read."""
    import msgspec

    from salescli.store import gitio
    from salescli.store.loader import parse_blob
    from salescli.store.loader import raise_if_invalid
    from salescli.store.repo import KIND_DIRS
    from salescli.store.repo import PRODUCTS_FILE
    from salescli.store.repo import file_id

    def added(*since: str) -> str:
        return gitio.git(repo.root, "log", "-1", "--diff-filter=A", "--format=%H", *since,
                         "--", file, check=False).stdout.strip()

    try:
        # committed on the document's day or later, as a rule: the walk stops there,
        # with two days for time zones; else (a commit dated earlier) all of it
        since = min(dated, dt.date.today()) - dt.timedelta(days=2)
        sha = added(f"--since={since}") or added()
        if not sha:
            return None
        # the deal file that commit wrote, under the ID the deal had then
        written = gitio.git(repo.root, "diff-tree", "-r", "-z", "--no-commit-id",
                            "--name-only", "--root", sha, "--",
                            KIND_DIRS["deal"] + "/").stdout.split("\0")
        top = repo.prefix
        deals = [p for p in written if p]
        path = next((p for p in deals if file_id(p) == d.id), deals[0] if len(deals) == 1
                    else None)
        if path is None:
            return None
        texts = gitio.files_at(repo.root, [(sha, path), (sha, top + PRODUCTS_FILE)])
        if (sha, path) not in texts:
            return None
        then = parse_blob("deal", path.removeprefix(top), texts[(sha, path)])
        raise_if_invalid(then)
        products = repo.products
        if (sha, top + PRODUCTS_FILE) in texts:
            listed = parse_blob("products", PRODUCTS_FILE, texts[(sha, top + PRODUCTS_FILE)])
            raise_if_invalid(listed)
            products = listed.model
    except SalescliError:
        return None
    return msgspec.structs.replace(d, items=then.model.items), products


def quoted_net(deal: Any, products: Any, settings: Any) -> Any:
    """The net total a quote of `deal`'s items gets from `products`."""
    from salescli.core.quote import price_lines
    from salescli.core.quote import totals

    lines = price_lines(deal.items, products, settings.discount_approval_threshold)
    return totals(lines, settings.prices_include_tax).net


def as_quoted(repo: Any, d: Any, warn: Warn | None = None, what: str = "document",
              q: Any = None) -> tuple[Any, Any]:
    """Deal `d` with the items, and the price list, its accepted quote (or quote `q`)
    priced: what the customer accepted, which its order and invoices bill whatever the
    price list or the deal's items say since. The deal and price list now while they
    give the quote's total (or when it has none), else as the commit that added the
    quote's document had them; refused when neither gives the total the quote recorded.
    `warn` hears when the deal's items now are not the quote's (the `what` bills the
    quote's)."""
    from salescli.core.quote import accepted_quote

    q = q or accepted_quote(d)
    if q is None:
        return d, repo.products

    def quoted(deal: Any, products: Any) -> bool:
        try:
            return bool(deal.items) and quoted_net(deal, products, repo.settings) == q.total
        except SalescliError:  # an item the price list no longer prices
            return False

    if quoted(d, repo.products):  # as a rule: nothing changed since (no history read)
        return d, repo.products
    then = written_with(repo, d, q.file, q.date)
    if then is not None and quoted(*then):
        if warn is not None and then[0].items != d.items:
            warn(f"note: {d.id}'s items are not those of its accepted quote {q.number} "
                 f"v{q.version}: the {what} has the quote's; to bill the change, make a "
                 f"new quote (`salescli quote {d.id}`) and record its acceptance")
        return then
    raise SalescliError(
        f"{d.id}: its items are no longer those of the accepted quote {q.number} "
        f"v{q.version} ({q.file}), whose order and invoices bill what the customer "
        f"accepted; put them back, or make a new quote (`salescli quote {d.id}`) and "
        "record its acceptance")


def _order(repo: Any, d: Any, fmt: str, when: dt.date, warn: Warn,
           lang: str | None = None) -> tuple[dict, str | bytes]:
    """The deal's order entry and document (in `lang`, else the customer's language),
    from its accepted quote as it was priced."""
    from salescli.core.quote import accepted_quote
    from salescli.core.quote import format_number
    from salescli.core.quote import used_sequence
    from salescli.services.documents import _document
    from salescli.services.documents import document_language
    from salescli.services.documents import refuse_lost

    refuse_lost(d, "its order is confirmed")
    q = accepted_quote(d)
    if q is None:
        raise SalescliError(f"{d.id} has no accepted quote; record the customer's acceptance "
                            f"with `salescli quote accept {d.id}`")
    if any(o.quote == q.number and o.version == q.version for o in d.orders):
        done = next(o for o in d.orders if o.quote == q.number and o.version == q.version)
        raise SalescliError(f"{d.id} already has order {done.number} for quote {q.number} "
                            f"v{q.version}: {done.file}")
    accepted_on = q.decided or q.date
    if when < accepted_on:
        raise SalescliError(f"quote {q.number} v{q.version} of {d.id} was accepted on "
                            f"{accepted_on}: its order is dated then or later (--date)")
    if not (repo.settings.company.name or "").strip():  # before the quote's own refusal
        raise SalescliError("an order confirmation needs the seller's name: set company.name "
                            "in salescli.yaml")
    pattern = repo.settings.order.numbering
    seq = used_sequence(pattern, when.year, used_numbers(repo, "orders", warn),
                        "order.numbering") + 1
    number = format_number(pattern, when.year, seq, "order.numbering")
    order = {"number": number, "date": when, "quote": q.number, "version": q.version}
    context, account = order_context(repo, d, q, order, warn)
    order |= {"total": context["quote"].totals.net, "currency": context["quote"].currency}
    text = _document(repo, "order-confirmation", fmt, context, order["currency"],
                     document_language(repo.settings, account, lang))
    return order, text


def order_context(repo: Any, d: Any, q: Any, order: dict[str, Any], warn: Warn | None
                  ) -> tuple[dict[str, Any], Any]:
    """What the order-confirmation template is given for `order` (its number and date,
    as the deal's `orders:` entry has them) of quote `q`: the lines as that quote
    priced them, whatever the deal's items say since; and the deal's account.
    `salescli order` writes it, `render` copies it (another language or format)."""
    from salescli.core.quote import build_quote
    from salescli.services.documents import _account
    from salescli.services.documents import _plain
    from salescli.services.documents import salesperson

    account = _account(repo, d)
    # the lines as the accepted quote priced them: its number, version and date
    quoted, products = as_quoted(repo, d, warn, "order", q)
    quote = build_quote(quoted, account, products, repo.settings, q.date, [],
                        number=(q.number, q.version))
    return {"quote": quote, "deal": _plain(d), "account": _plain(account),
            "order": order, "latest_quote": _plain(q), "date": order["date"],
            "contact": quote.contact, "salesperson": salesperson(repo, d)}, account


def order_text(repo: Any, deal_id: str, fmt: str, date: str | dt.date | None,
               warn: Warn, lang: str | None = None) -> str | bytes:
    """The order confirmation the deal would get now (numbered as it would be)."""
    from salescli.services.edit import today

    return _order(repo, repo.load("deal", deal_id), fmt, today(date), warn, lang)[1]


def make_order(repo: Any, deal_id: str, fmt: str, warn: Warn, lang: str | None = None,
               opts: Options = COMMIT) -> OrderMade:
    """Write the deal's order confirmation and record it on the deal: one commit, or neither."""
    from salescli.services.edit import today

    when = today(opts.date)

    def prepare(s: Any, d: Any) -> Issued:
        order, text = _order(s.repo, d, fmt, when, warn, lang)
        path = s.root / ORDERS_DIR / d.id / f"{order['number']}.{fmt}"
        rel = s.repo.rel(path)
        return Issued(path, text, {**order, "file": rel},
                      f"order {order['number']} (quote {order['quote']} v{order['version']})",
                      f"{rel} already exists; an order number is never reused (check "
                      "order.numbering)")

    s, doc = issue_document(repo, deal_id, "order", "orders", opts, prepare)
    order = doc.ref
    return OrderMade(s, order["number"], f"{order['quote']} v{order['version']}",
                     order["file"], doc.text)
