"""`salescli quote`, `agenda` and `render`: documents made from the repository's records.

The arithmetic is in `salescli.core.quote`, the agenda's facts in `salescli.core.agenda`, the
rendering in `salescli.store.templates`; this module only wires options to them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from salescli.cli.common import (
    DATE,
    change_options,
    complete_ids,
    done,
    echo,
    get_repo,
    load_matching,
    out_path,
    records_index,
    session,
)

QUOTES_DIR = "quotes"


def _plain(model: Any) -> Any:
    """A record as plain dicts and lists: templates see data, never model methods."""
    return model.model_dump(mode="python", by_alias=True) if model is not None else None


def _render(repo: Any, name: str, context: dict[str, Any], currency: str | None = None) -> str:
    from salescli.store.templates import render

    settings = repo.settings
    context = {"company": _plain(settings.company), "locale": settings.locale,
               "lang": settings.locale.replace("-", "_").split("_")[0], **context}
    return render(name, context, repo.root, locale=settings.locale,
                  currency=currency or settings.currency)


def _write_out(out: Path, text: str) -> None:
    from salescli.store.gitio import atomic_write

    atomic_write(out.resolve(), text)


def _used_numbers(repo: Any) -> list[str]:
    """Every quote number of every deal, from the record index."""
    with records_index(repo, ("deal",)) as index:
        return [r[0] for r in index.query(
            "SELECT json_extract(q.value, '$.number') FROM records r, json_each(r.json, "
            "'$.quotes') q WHERE r.kind = 'deal' AND r.valid ORDER BY r.path, q.key")]


def _account(repo: Any, deal: Any) -> Any:
    return repo.load("account", deal.account)


# ------------------------------------------------------------------------- quote


@click.command("quote")
@click.argument("deal_id", metavar="DEAL", shell_complete=complete_ids("deal"))
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md",
              show_default=True, help="Markdown, or HTML ready to print on A4 (or save as PDF).")
@click.option("--dry-run", is_flag=True,
              help="Print the quote (with the number it would get); write and commit nothing.")
@click.option("--draft", is_flag=True,
              help="Print a draft marked DRAFT, even with a discount still awaiting approval; "
              "nothing is recorded.")
@change_options
@click.pass_context
def quote_cmd(ctx: click.Context, deal_id: str, fmt: str, dry_run: bool, draft: bool,
              date: str | None, message: str | None, no_commit: bool) -> None:
    """Make a quote of a deal's items: write it to quotes/DEAL/, record it, commit.

    Prices come from products.yaml (volume tiers), less each item's discount; VAT
    per rate; money in the settings' locale. The number follows the settings'
    quote.numbering; a deal's later quotes are new versions of its latest number.
    A discount over discount_approval_threshold needs the deal's approved_by.

    \b
    Examples:
      salescli quote acme-erp --dry-run
      salescli quote acme-erp --format html
      salescli quote acme-erp --draft --format html > draft.html
    """
    from salescli.core.quote import build_quote
    from salescli.services.edit import today

    when = today(date)
    template = f"quote.{fmt}.j2"
    if dry_run or draft:
        repo = get_repo(ctx)
        d = repo.load("deal", deal_id)
        account = _account(repo, d)
        quote = build_quote(d, account, repo.products, repo.settings, when,
                            _used_numbers(repo), draft=draft)
        echo(_render(repo, template, _quote_context(quote, d, account),
                     quote.currency).rstrip("\n"))
        return
    with session(ctx, "deal", deal_id, "quote", date, message, no_commit) as s:
        record = s.load("deal", deal_id)
        d = record.model
        account = _account(s.repo, d)
        quote = build_quote(d, account, s.repo.products, s.repo.settings, when,
                            _used_numbers(s.repo))
        text = _render(s.repo, template, _quote_context(quote, d, account), quote.currency)
        path = s.root / QUOTES_DIR / d.id / f"{quote.file_name}.{fmt}"
        ref = {"number": quote.number, "version": quote.version, "date": quote.date,
               "total": quote.totals.net, "currency": quote.currency,
               "file": s.repo.rel(path)}
        s.summary = f"quote {quote.number} v{quote.version}"
        s.write(path, text)  # the document and the deal's record: one commit, or neither

        def record_quote(data: Any) -> None:
            from ruamel.yaml.comments import CommentedSeq

            from salescli.core.model import key_order
            from salescli.store.yamlio import flow, set_in

            if not data.get("quotes"):
                set_in(data, "quotes", CommentedSeq(), key_order("deal"))
            data["quotes"].append(flow(ref))

        s.update(record, record_quote)
    from salescli.core.l10n import money

    done(s, f"Quote {quote.number} v{quote.version} for {deal_id}: {ref['file']} "
            f"({money(quote.totals.gross, quote.currency, s.repo.settings.locale)} incl. VAT)")


def _quote_context(quote: Any, deal: Any, account: Any) -> dict[str, Any]:
    return {"quote": quote, "deal": _plain(deal), "account": _plain(account)}



# ------------------------------------------------------------------------ agenda

AGENDA_TEMPLATES = {"en": "agenda-valkea.md.j2", "fi": "agenda-valkea.fi.md.j2"}


@click.command("agenda")
@click.argument("deal_id", metavar="DEAL", shell_complete=complete_ids("deal"))
@click.option("--lang", type=click.Choice(sorted(AGENDA_TEMPLATES)),
              help="Language (default: fi when the settings' locale is Finnish, else en).")
@click.option("--date", metavar="DATE", type=DATE, help="The meeting's date (default: today).")
@click.option("--out", metavar="FILE", help="Write the agenda to FILE instead of printing it.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--first-meeting/--follow-up", "first", default=None,
              help="Open with the customer's own processes, as in a first meeting "
              "(default: when no meeting has been held with the account yet).")
@click.pass_context
def agenda_cmd(ctx: click.Context, deal_id: str, lang: str | None, date: Any,
               out: str | None, force: bool, first: bool | None) -> None:
    """A VALKEA meeting agenda for a deal, filled from the repository.

    The six phases of seed 000's meeting model: preparation (the goal for the
    deal's stage, account, stakeholders, latest activities, open next step),
    opening, presence (what to find out, with what is known), position (items
    and latest quote), progress (what the next stage still requires) and
    evaluation (record it afterwards with `salescli log meeting --went-well
    --improve`). Nothing is committed.

    \b
    Examples:
      salescli agenda acme-erp
      salescli agenda acme-erp --lang fi --date 2026-11-20 --out agenda.md
    """
    from salescli.core.agenda import build_agenda
    from salescli.services.edit import today

    target = out_path(out, force) if out else None
    repo = get_repo(ctx)
    when = today(date)
    d = repo.load("deal", deal_id)
    account = _account(repo, d)
    pipeline = repo.pipeline(d.pipeline or repo.settings.default_pipeline)
    lang = lang or ("fi" if repo.settings.locale.lower().startswith("fi") else "en")
    agenda = build_agenda(d, account, pipeline, repo.products, repo.settings, when,
                          load_matching(repo, "deal", "account_id = ?", (d.account,)), first)
    text = _render(repo, AGENDA_TEMPLATES[lang],
                   {"agenda": agenda, "deal": _plain(d), "account": _plain(account)},
                   agenda.currency)
    if target:
        _write_out(target, text)
        echo(f"Agenda for {deal_id} written to {out}")
    else:
        echo(text.rstrip("\n"))


# ------------------------------------------------------------------------ render


def _template_name(root: Path, name: str) -> str:
    """`order-confirmation` finds order-confirmation.md.j2; a full name is taken as is."""
    from salescli.store.templates import available, check_name

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
    from salescli.core.quote import build_quote, contact_person

    account = _account(repo, d)
    latest = d.quotes[-1] if d.quotes else None
    quote, problem = None, None
    try:
        quote = build_quote(d, account, repo.products, repo.settings, when, [], draft=True,
                            number=(latest.number, latest.version) if latest else ("", 0))
    except SalescliError as err:
        problem = str(err)
    return {"deal": _plain(d), "account": _plain(account), "quote": quote,
            "quote_problem": problem, "latest_quote": _plain(latest),
            "contact": contact_person(d, account)}


@click.command("render")
@click.argument("template")
@click.argument("target", metavar="TARGET")
@click.option("--date", metavar="DATE", type=DATE, help="The document's date (default: today).")
@click.option("--out", metavar="FILE", help="Write to FILE instead of printing.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.pass_context
def render_cmd(ctx: click.Context, template: str, target: str, date: Any,
               out: str | None, force: bool) -> None:
    """Render any template for a deal, lead or account (TARGET is its ID, or KIND:ID).

    TEMPLATE is a file name in the repository's templates/ or a shipped one
    (quote.md.j2, order-confirmation.md.j2...); `order-confirmation` finds
    order-confirmation.md.j2. Templates see `kind`, `record`, `date`, `company`
    and, for a deal, `deal`, `account`, `contact`, `quote` (its items priced as
    in a quote, numbered as its latest) and `latest_quote`; for an account, its
    `deals`; for a lead, `lead`. Nothing is committed.

    \b
    Examples:
      salescli render order-confirmation acme-erp --out order.md
      salescli render my-contract.md.j2 deal:acme-erp
    """
    from salescli.cli.activity import resolve_target
    from salescli.services.edit import today

    where = out_path(out, force) if out else None
    repo = get_repo(ctx)
    when = today(date)
    name = _template_name(repo.root, template)
    kind, record_id = resolve_target(repo, target)
    record = repo.load(kind, record_id)
    context: dict[str, Any] = {"kind": kind, "record": _plain(record), "date": when}
    currency = None
    if kind == "deal":
        context.update(_deal_context(repo, record, when))
        currency = record.currency
    elif kind == "account":
        context["account"] = _plain(record)
        context["deals"] = [_plain(d) for d in load_matching(
            repo, "deal", "account_id = ?", (record_id,))]
    else:
        context["lead"] = _plain(record)
    text = _render(repo, name, context, currency)
    if where:
        _write_out(where, text)
        echo(f"Rendered {name} for {kind} {record_id} to {out}")
    else:
        echo(text.rstrip("\n"))
