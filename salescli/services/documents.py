"""`quote`, `agenda` and `render`: documents made from the repository's records.

The arithmetic is in `salescli.core.quote`, the agenda's facts in `salescli.core.agenda`,
the rendering in `salescli.store.templates`; this module wires records to them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from msgspec import Struct

from salescli.core.ids import KINDS
from salescli.core.later import later
from salescli.services.options import COMMIT
from salescli.services.options import Options
from salescli.services.read import Warn
from salescli.services.read import load_matching
from salescli.services.read import records_index

QUOTES_DIR = "quotes"
AGENDA_TEMPLATE = "agenda-valkea.md.j2"
# core.model.LANGUAGES (a test holds them equal), here so that `--help` needs no record model
LANGUAGES = ("en", "fi", "sv")
# a language's locale when the settings' territory has none for it (`en` with `de_DE`)
DEFAULT_LOCALES = {"en": "en_US", "fi": "fi_FI", "sv": "sv_SE"}


def document_language(settings: Any, account: Any = None, lang: str | None = None) -> str:
    """The language a document is written in: `--lang` where given, else the customer's
    (`account.language`), else the settings' locale's (fi_* -> fi, sv_* -> sv, else en)."""
    if lang:
        return lang
    if account is not None and getattr(account, "language", None):
        return account.language
    own = settings.locale.replace("-", "_").split("_")[0].lower()
    return own if own in LANGUAGES else "en"


def document_locale(settings_locale: str, lang: str) -> str:
    """Numbers and dates as the settings' locale writes them when it is in `lang`; else
    `lang` as written in the settings' territory when Babel knows that locale (fi_FI +
    sv -> sv_FI, fi_FI + en -> en_FI: a Finnish seller's Swedish or English customer),
    else the language's own default (DEFAULT_LOCALES)."""
    from babel import Locale
    from babel import UnknownLocaleError

    parts = settings_locale.replace("-", "_").split("_")
    if parts[0].lower() == lang:
        return settings_locale
    if len(parts) > 1:
        try:
            return str(Locale.parse(f"{lang}_{parts[-1].upper()}"))
        except (UnknownLocaleError, ValueError):
            pass
    return DEFAULT_LOCALES.get(lang, "en_US")


def _plain(model: Any) -> Any:
    """A record as plain dicts and lists: templates see data, never model methods."""
    return model.model_dump(mode="python", by_alias=True) if model is not None else None


def _declare_custom(settings: Any, context: dict[str, Any]) -> None:
    """Every declared custom field is in its record's context, empty (None) when the
    record has no value: `{% if deal.competitor %}` works on every deal."""
    from salescli.core.custom import declared

    fields = {kind: declared(settings, kind) for kind in KINDS}
    records = [(kind, context.get(kind)) for kind in KINDS]
    records += [("deal", d) for d in context.get("deals") or []]
    if context.get("kind") in KINDS:
        records.append((context["kind"], context.get("record")))
    for kind, record in records:
        if isinstance(record, dict):
            for name in fields[kind]:
                record.setdefault(name, None)


def _render(repo: Any, name: str, context: dict[str, Any], currency: str | None = None,
            lang: str | None = None) -> str:
    """Render in `lang` (default: the settings' language) with its numbers and dates."""
    from salescli.store.templates import render

    settings = repo.settings
    _declare_custom(settings, context)
    lang = lang or document_language(settings)
    locale = document_locale(settings.locale, lang)
    context = {"company": _plain(settings.company), "locale": locale, "lang": lang,
               "payment_terms_days": settings.payment_terms_days, **context}
    return render(name, context, repo.root, locale=locale,
                  currency=currency or settings.currency, lang=lang)


# the formats a document is made in; a PDF is its HTML template, laid out for print
FORMATS = ("md", "html", "pdf")


def _document(repo: Any, base: str, fmt: str, context: dict[str, Any],
              currency: str | None = None, lang: str | None = None) -> str | bytes:
    """A document from `BASE.md.j2` or `BASE.html.j2` in `lang`; a PDF is made from the
    HTML."""
    text = _render(repo, f"{base}.{'html' if fmt == 'pdf' else fmt}.j2", context, currency,
                   lang)
    if fmt != "pdf":
        return text
    from salescli.store.pdf import html_to_pdf

    return html_to_pdf(text)


def _read_bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _write_out(out: Path, text: str) -> None:
    from salescli.store.gitio import atomic_write

    atomic_write(out.resolve(), text)


# the deal lists of numbered documents: a key is also the table `used_numbers` reads
DOCUMENT_LISTS = ("quotes", "orders", "invoices")


def used_numbers(repo: Any, key: str, warn: Warn) -> list[str]:
    """Every number of a kind of document (`quotes`, `orders`, `invoices`) of every deal,
    from the record index, and of every document filed in its folder (a deal deleted
    since keeps its numbers used): what the next number counts on."""
    if key not in DOCUMENT_LISTS:  # a table name built from it: never anything else
        raise ValueError(key)
    with records_index(repo, ("deal",), warn) as index:
        numbers = [r[0] for r in index.query(f'SELECT number FROM "{key}" ORDER BY rowid')]
    return numbers + filed_numbers(repo.root / key)


def quote_numbers(repo: Any, deal: Any, warn: Warn) -> list[str]:
    """The quote numbers a deal's next quote counts on: none when it has a quote (its
    next version keeps that number), else every one used."""
    return [] if deal.quotes else used_numbers(repo, "quotes", warn)


def filed_numbers(folder: Path) -> list[str]:
    """The numbers of the documents filed below `folder` (`quotes/DEAL/Q-2026-0001-v2.md`,
    `orders/DEAL/O-2026-0001.html`, `invoices/2026/20260001.pdf`): each file's name
    without its extension, and a quote's without its version."""
    out = []
    try:
        below = [e for e in os.scandir(folder) if e.is_dir(follow_symlinks=False)]
    except OSError:  # no such folder yet
        return out
    for sub in below:
        try:
            names = [entry.name for entry in os.scandir(sub.path)]
        except OSError:  # unreadable: its documents are in the deals' records too
            continue
        for name in names:
            stem, dot, ext = name.rpartition(".")
            if dot and ext in FORMATS:  # a number may hold a dot: Q.2026.0001-v1.md
                out.append(_VERSION.sub("", stem))
    return out


# a quote's version, and the language of one not in the customer's own (Q-2026-0001-v1.sv)
_VERSION = later(rf"(-v\d+)?(\.({'|'.join(LANGUAGES)}))?$")


class Issued(Struct):
    """A document `prepare` made for `issue_document`: where it goes, its content, the
    deal's entry of it, the commit summary, why a file already there is refused, and
    what it was made from (the Quote, the Invoice)."""

    path: Path
    text: str | bytes
    ref: dict[str, Any]
    summary: str
    taken: str  # the refusal when `path` exists, naming it
    source: Any = None


def issue_document(repo: Any, deal_id: str, event: str, key: str, opts: Options,
                   prepare: Callable[[Any, Any], Issued]) -> tuple[Any, Issued]:
    """Write a document of the deal and record it in the deal's `key` (`quotes`,
    `orders`, `invoices`): one commit, or neither. `prepare(session, deal)` makes it;
    a document is never written over. Returns (the change, the document)."""
    from salescli.core.errors import SalescliError

    with opts.session(repo, "deal", deal_id, event, ahead=True) as s:
        record = s.load("deal", deal_id)
        doc = prepare(s, record.model)
        if doc.path.exists():
            raise SalescliError(doc.taken)
        s.summary = doc.summary
        s.write(doc.path, doc.text)
        s.append(record, key, doc.ref, inline=True)
    return s, doc


def _account(repo: Any, deal: Any) -> Any:
    return repo.load("account", deal.account)


def refuse_lost(deal: Any, what: str) -> None:
    """A lost deal gets no quote, acceptance or order (as no invoice) until reopened:
    the customer said no, or the deal is not lost."""
    from salescli.core.errors import SalescliError

    if deal.status == "lost":
        raise SalescliError(f"{deal.id} is lost: reopen it before {what} (`salescli deal "
                            f"reopen {deal.id} --reason TEXT`)")


def salesperson(repo: Any, deal: Any) -> str | None:
    """The salesperson the customer deals with: the owner's name when known, else the ID."""
    return _owner_name(repo, deal.owner) or deal.owner


def _quote_context(repo: Any, quote: Any, deal: Any, account: Any,
                   person: str | None = None) -> dict[str, Any]:
    return {"quote": quote, "deal": _plain(deal), "account": _plain(account),
            "salesperson": person or salesperson(repo, deal)}


# ------------------------------------------------------------------------- quote


def quote_text(repo: Any, deal_id: str, fmt: str, date: str | dt.date | None, warn: Warn,
               draft: bool = False, lang: str | None = None) -> str | bytes:
    """The quote a deal would get now (numbered as it would be), or a draft even with a
    discount awaiting approval; nothing is written."""
    from salescli.core.quote import build_quote
    from salescli.services.edit import today

    d = repo.load("deal", deal_id)
    refuse_lost(d, "you quote it")
    account = _account(repo, d)
    when, language = today(date), document_language(repo.settings, account, lang)
    # as `make_quote` numbers it: the latest quote again while nothing changed
    quote = (None if draft else unchanged_quote(repo, d, account, when, language)) \
        or build_quote(d, account, repo.products, repo.settings, when,
                       quote_numbers(repo, d, warn), draft=draft)
    return _document(repo, "quote", fmt, _quote_context(repo, quote, d, account),
                     quote.currency, language)


class QuoteMade(Struct):
    """A quote written to quotes/DEAL/ and recorded on the deal."""

    change: Any  # the finished change: its commit, or why there is none
    number: str
    version: int
    file: str  # the document, relative to the repository
    gross: str  # the total with VAT, in the settings' locale


def make_quote(repo: Any, deal_id: str, fmt: str, warn: Warn, lang: str | None = None,
               opts: Options = COMMIT) -> QuoteMade:
    """Write the deal's quote and record it on the deal: one commit, or neither."""
    from salescli.core.l10n import money
    from salescli.core.quote import build_quote
    from salescli.services.edit import today

    when = today(opts.date)

    def prepare(s: Any, d: Any) -> Issued:
        refuse_lost(d, "you quote it")
        account = _account(s.repo, d)
        language = document_language(s.repo.settings, account, lang)
        quote = unchanged_quote(s.repo, d, account, when, language) or build_quote(
            d, account, s.repo.products, s.repo.settings, when,
            quote_numbers(s.repo, d, warn))
        return quote_issued(s.repo, d, account, quote, fmt, language)

    s, doc = issue_document(repo, deal_id, "quote", "quotes", opts, prepare)
    quote = doc.source
    return QuoteMade(s, quote.number, quote.version, doc.ref["file"],
                     money(quote.totals.gross, quote.currency, s.repo.settings.locale))


def quote_issued(repo: Any, d: Any, account: Any, quote: Any, fmt: str, language: str,
                 person: str | None = None) -> Issued:
    """Quote `quote` (core.quote.build_quote) of deal `d` as `salescli quote` issues it:
    its document in `fmt` and `language`, and its entry in the deal's `quotes:`; the
    demo's quotes too. `person`: the salesperson's name (default: from git's identity)."""
    text = _document(repo, "quote", fmt, _quote_context(repo, quote, d, account, person),
                     quote.currency, language)
    # in a language other than the customer's own, the name says which: the same quote
    # (number and version) in Swedish beside the English one
    own = language == document_language(repo.settings, account)
    rel = f"{QUOTES_DIR}/{d.id}/{quote.file_name}{'' if own else '.' + language}.{fmt}"
    ref = {"number": quote.number, "version": quote.version, "date": quote.date,
           "total": quote.totals.net, "currency": quote.currency, "file": rel,
           "status": "sent"}
    # the same quote in another format: the customer's decision on it still holds
    same = [q for q in d.quotes if (q.number, q.version) == (quote.number, quote.version)]
    if same and same[-1].status != "sent":
        ref.update({k: getattr(same[-1], k) for k in ("status", "decided", "reason")
                    if getattr(same[-1], k) is not None})
    return Issued(repo.root / rel, text, ref, f"quote {quote.number} v{quote.version}",
                  f"quote {quote.number} v{quote.version} is unchanged and already "
                  f"written: {rel} (a change to the deal's items or terms makes a new "
                  "version)", quote)


def unchanged_quote(repo: Any, deal: Any, account: Any, when: dt.date, lang: str,
                    recorded: Callable[[str], bytes | None] | None = None,
                    person: str | None = None) -> Any:
    """The deal's latest quote, as it was dated and numbered, while it is still valid on
    `when` and the deal would still quote exactly that (its recorded document renders
    the same, in `lang` or any other language): a quote's number and version belong to
    its content, so another format or language of it is no new version. An expired
    quote re-issued is a new version. `recorded(file)`: a document's bytes as written
    (default: read from the repository; the demo keeps its own); `person`: as for
    `quote_issued`."""
    from salescli.core.errors import SalescliError
    from salescli.core.quote import build_quote

    latest = deal.quotes[-1] if deal.quotes else None
    validity = dt.timedelta(days=repo.settings.quote.validity_days)
    if latest is None or when > latest.date + validity:
        return None
    fmt = Path(latest.file).suffix.lstrip(".")
    if fmt not in FORMATS:
        return None
    try:
        same = build_quote(deal, account, repo.products, repo.settings, latest.date, [],
                           number=(latest.number, latest.version))
        if same.totals.net != latest.total:  # another quote, whatever a template shows
            return None
        written = (recorded or (lambda rel: _read_bytes(repo.root / rel)))(latest.file)
        if written is None:
            return None
        context = _quote_context(repo, same, deal, account, person)
        for language in (lang, *(other for other in LANGUAGES if other != lang)):
            made = _document(repo, "quote", fmt, context, same.currency, language)
            if (made.encode("utf-8") if isinstance(made, str) else made) == written:
                return same
    except SalescliError:
        return None
    return None


# ------------------------------------------------------------------------ agenda


def agenda(repo: Any, deal_id: str, lang: str | None, date: dt.date | None,
           first: bool | None, warn: Warn, out: Path | None = None) -> str:
    """A VALKEA meeting agenda for a deal (in `lang`, else the customer's or the
    settings' language: `document_language`); written to `out` when one is given."""
    from salescli.core.agenda import build_agenda
    from salescli.core.dates import wall_clock
    from salescli.services.edit import today

    # as `log` books a meeting: on this machine's clock (`date`: as --date gave it)
    date = wall_clock(date)
    when = today(date)
    # a time of day given (`--date "next tuesday 14:00"`): the meeting then
    at = date.strftime("%H:%M") if isinstance(date, dt.datetime) else None
    d = repo.load("deal", deal_id)
    account = _account(repo, d)
    pipeline = repo.pipeline(repo.settings.pipeline_of(d))
    lang = document_language(repo.settings, account, lang)
    facts = build_agenda(d, account, pipeline, repo.products, repo.settings, when,
                         load_matching(repo, "deal", warn, "account_id = ?", (d.account,)),
                         first, _owner_name(repo, d.owner), at)
    from salescli.services.activity import kinds_with

    # as a command to paste names it: `deal:ID` where a lead or account has the ID too
    target = f"deal:{d.id}" if len(kinds_with(repo, d.id)) > 1 else d.id
    text = _render(repo, AGENDA_TEMPLATE,
                   {"agenda": _localized_agenda(facts, lang), "deal": _plain(d),
                    "account": _plain(account), "target": target},
                   facts.currency, lang)
    if out is not None:
        _write_out(out, text)
    return text


def _localized_agenda(facts: Any, lang: str) -> Any:
    """The agenda with its stages' names and checklist items in `lang` where the
    pipeline gives them (Stage.names, Stage.checklists); else as written."""
    from msgspec.structs import replace

    def stage(s: Any) -> Any:
        if s is None:
            return None
        return s.model_copy(update={"name": s.localized_name(lang),
                                    "checklist": s.localized_checklist(lang)})

    items = dict(zip(facts.stage.checklist, facts.stage.localized_checklist(lang),
                     strict=True)) if facts.stage is not None else {}
    return replace(
        facts, stage=stage(facts.stage), next_stage=stage(facts.next_stage),
        open_checklist=[items.get(c, c) for c in facts.open_checklist])


def _owner_name(repo: Any, owner: str | None) -> str | None:
    """The owner's name as git knows the person running the command, when that person
    is the owner (the usual case: you prepare your own meeting); else None."""
    from salescli.core.approvals import identity_names
    from salescli.services.edit import author_name

    if not owner:
        return None
    name = author_name(repo.root)  # the name git commits with, as `default_owner` reads
    return name if owner in identity_names(name, None) else None


# ------------------------------------------------------------------------ render


def _template_name(root: Path, name: str) -> str:
    """`order-confirmation` finds order-confirmation.md.j2; a full name is taken as is."""
    from salescli.store.templates import available
    from salescli.store.templates import check_name

    check_name(name)
    if name.endswith(".j2"):
        return name
    names = available(root)
    for candidate in (f"{name}.md.j2", f"{name}.html.j2", f"{name}.j2"):
        if candidate in names:
            return candidate
    return f"{name}.md.j2"  # not found: the renderer names it and lists what exists


def _deal_context(repo: Any, d: Any, when: Any) -> dict[str, Any]:
    """A deal with its account, contact and priced lines, as the latest quote numbered it."""
    from salescli.core.errors import SalescliError
    from salescli.core.quote import build_quote
    from salescli.core.quote import contact_person
    from salescli.store.templates import missing

    account = _account(repo, d)
    latest = d.quotes[-1] if d.quotes else None
    quote, problem = None, None
    try:
        quote = build_quote(d, account, repo.products, repo.settings, when, [], draft=True,
                            number=(latest.number, latest.version) if latest else ("", 0))
    except SalescliError as err:
        problem = str(err)
        quote = missing("quote", problem)  # a quote template says why, not 'None' has...
    context = {"deal": _plain(d), "account": _plain(account), "quote": quote,
               "quote_problem": problem, "latest_quote": _plain(latest),
               "contact": contact_person(d, account)}
    if d.orders:  # its latest order, as `salescli order` gave it to the template
        context["order"] = _plain(d.orders[-1])
    return context


# what a deal's template may need that `render` does not give it, and the command that
# makes it
MADE_BY = {"invoice": "salescli invoice", "agenda": "salescli agenda"}


def _issued_order(repo: Any, d: Any) -> dict[str, Any]:
    """The deal's latest order as `salescli order` wrote it: its quote's lines and
    number, not the deal's items now (a copy in another language or format)."""
    from salescli.core.errors import SalescliError
    from salescli.services.quotes import order_context

    order = _plain(d.orders[-1])
    q = next((q for q in d.quotes if (q.number, q.version) ==
              (order["quote"], order["version"])), None)
    if q is None:  # a hand edit took it away: the file written then is the order
        raise SalescliError(f"{d.id}'s order {order['number']} is of quote {order['quote']} "
                            f"v{order['version']}, which is no longer among its quotes; the "
                            f"order is {order['file']}")
    # a copy: no note that the deal's items changed since (its order says what it was)
    return order_context(repo, d, q, order, None)[0]


class Rendered(Struct):
    """A template rendered for a record."""

    template: str  # the template's file name, as found
    kind: str
    id: str
    text: str


def render_template(repo: Any, template: str, target: str, date: str | dt.date | None,
                    warn: Warn, out: Path | None = None, lang: str | None = None) -> Rendered:
    """Render any template for a deal, lead or account (`target`: its ID, or KIND:ID);
    written to `out` when one is given."""
    from salescli.core.words import a
    from salescli.services.activity import resolve_target
    from salescli.services.edit import today
    from salescli.store.templates import TemplateError

    when = today(date)
    name = _template_name(repo.root, template)
    kind, record_id = resolve_target(repo, target)
    record = repo.load(kind, record_id)
    context: dict[str, Any] = {"kind": kind, "record": _plain(record), "date": when}
    currency, account = None, None
    if kind == "deal":
        context.update(_deal_context(repo, record, when))
        currency = record.currency
        account = _account(repo, record)
        context["salesperson"] = salesperson(repo, record)
        if record.orders and name.startswith("order-confirmation."):
            context.update(_issued_order(repo, record))
    elif kind == "account":
        account = record
        context["account"] = _plain(record)
        context["deals"] = [_plain(d) for d in load_matching(
            repo, "deal", warn, "account_id = ?", (record_id,))]
    else:
        context["lead"] = _plain(record)
    try:
        text = _render(repo, name, context, currency,
                       document_language(repo.settings, account, lang))
    except TemplateError as err:  # a deal's template for a lead, say: say so
        missing = next((k for k in (*KINDS, "quote", *MADE_BY)
                        if f"'{k}' is undefined" in str(err)), None)
        if missing in MADE_BY:  # what only its own command makes
            raise TemplateError(f"{err}: {name} needs {a(missing)}, which `{MADE_BY[missing]} "
                                f"{record_id if kind == 'deal' else 'DEAL'}` makes") from None
        needs = "deal" if missing == "quote" else missing  # render drafts a deal's quote
        if needs is None or needs == kind:
            raise
        raise TemplateError(f"{err}: {name} is for {a(needs)}, and {record_id} is "
                            f"{a(kind)}; give it {a(needs)} (salescli render {template} "
                            f"{needs.upper()})") from None
    if out is not None:
        _write_out(out, text)
    return Rendered(name, kind, record_id, text)
