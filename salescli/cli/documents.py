"""`salescli quote` (make, accept, reject), `order`, `agenda` and `render`: documents
made from the repository's records (salescli.services.documents and .quotes make them;
this module only wires options to it)."""

from __future__ import annotations

from typing import Any

import click

from salescli.cli.common import DATE
from salescli.cli.common import Group
from salescli.cli.common import change_options
from salescli.cli.common import complete_ids
from salescli.cli.common import done
from salescli.cli.common import echo
from salescli.cli.common import emit
from salescli.cli.common import get_repo
from salescli.cli.common import lang_option
from salescli.cli.common import out_path
from salescli.cli.common import warn
from salescli.services import quotes
from salescli.services.documents import FORMATS
from salescli.services.documents import LANGUAGES
from salescli.services.documents import agenda
from salescli.services.documents import make_quote
from salescli.services.documents import quote_text
from salescli.services.documents import render_template
from salescli.services.options import Options

# the document's language; the default is decided by services.documents.document_language
LANG = lang_option(LANGUAGES)

# ------------------------------------------------------------------------- quote


@click.command("quote")
@click.argument("deal_id", metavar="DEAL", shell_complete=complete_ids("deal"))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md",
              show_default=True,
              help="Markdown, HTML ready to print on A4, or PDF (the pdf extra).")
@click.option("--dry-run", is_flag=True,
              help="Print the quote (with the number it would get); write and commit nothing.")
@click.option("--draft", is_flag=True,
              help="Print a draft marked DRAFT, even with a discount still awaiting approval; "
              "nothing is recorded.")
@LANG
@change_options
@click.pass_context
def quote_cmd(ctx: click.Context, deal_id: str, fmt: str, dry_run: bool, draft: bool,
              lang: str | None, opts: Options) -> None:
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
      salescli quote acme-erp --format pdf
      salescli quote acme-erp --lang sv --format html
    """
    repo = get_repo(ctx)
    if dry_run or draft:
        emit(quote_text(repo, deal_id, fmt, opts.date, warn, draft=draft, lang=lang))
        return
    made = make_quote(repo, deal_id, fmt, warn, lang=lang, opts=opts)
    done(made.change, f"Quote {made.number} v{made.version} for {deal_id}: {made.file} "
                      f"({made.gross} incl. VAT)")


# ------------------------------------------------------------------------ agenda


@click.command("agenda")
@click.argument("deal_id", metavar="DEAL", shell_complete=complete_ids("deal"))
@LANG
@click.option("--date", metavar="DATE", type=DATE,
              help="The meeting's date, and time if given: the meeting booked then "
              "(default: today, its first booking).")
@click.option("--out", metavar="FILE", help="Write the agenda to FILE instead of printing it.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--first-meeting/--follow-up", "first", default=None,
              help="Open with the customer's own processes, as in a first meeting "
              "(default: when no meeting has been held with the account yet).")
@click.pass_context
def agenda_cmd(ctx: click.Context, deal_id: str, lang: str | None, date: Any,
               out: str | None, force: bool, first: bool | None) -> None:
    """A VALKEA meeting agenda for a deal, filled from the repository.

    The six phases of the VALKEA meeting model: preparation (the goal for the
    deal's stage, account, stakeholders, latest activities, open next step),
    opening, presence (what to find out, with what is known), position (items
    and latest quote), progress (what the next stage still requires) and
    evaluation (record it afterwards with `salescli log meeting --went-well
    --improve`). Nothing is committed.

    \b
    Examples:
      salescli agenda acme-erp
      salescli agenda acme-erp --lang fi --date 2026-11-20 --out agenda.md
      salescli agenda acme-erp --lang sv
      salescli agenda acme-erp --date "next tuesday 14:00"
    """
    target = out_path(out, force) if out is not None else None
    text = agenda(get_repo(ctx), deal_id, lang, date, first, warn, target)
    if target:
        echo(f"Agenda for {deal_id} written to {out}")
    else:
        echo(text.rstrip("\n"))


# ------------------------------------------------------------------------ render


@click.command("render")
@click.argument("template")
@click.argument("target", metavar="TARGET")
@click.option("--date", metavar="DATE", type=DATE, help="The document's date (default: today).")
@click.option("--out", metavar="FILE", help="Write to FILE instead of printing.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@LANG
@click.pass_context
def render_cmd(ctx: click.Context, template: str, target: str, date: Any,
               out: str | None, force: bool, lang: str | None) -> None:
    """Render any template for a deal, lead or account (TARGET is its ID, or KIND:ID).

    TEMPLATE is a file name in the repository's templates/ or a shipped one
    (quote.md.j2, order-confirmation.md.j2...); `order-confirmation` finds
    order-confirmation.md.j2. Templates see `kind`, `record`, `date`, `company`
    and, for a deal, `deal`, `account`, `contact`, `quote` (its items priced as
    in a quote, numbered as its latest) and `latest_quote`; for an account, its
    `deals`; for a lead, `lead`. `lang` is the document's language and
    `_("...")` translates the shipped wording. Nothing is committed.

    A deal's order-confirmation, once `salescli order` recorded one, is a copy of its
    latest order as issued (its quote's lines, number and date; --date aside).

    \b
    Examples:
      salescli render order-confirmation acme-erp --out order.md
      salescli render my-contract.md.j2 deal:acme-erp
      salescli render order-confirmation acme-erp --lang fi
    """
    where = out_path(out, force) if out is not None else None
    doc = render_template(get_repo(ctx), template, target, date, warn, where, lang)
    if where:
        echo(f"Rendered {doc.template} for {doc.kind} {doc.id} to {out}")
    else:
        echo(doc.text.rstrip("\n"))


# ------------------------------------------- quote accept, quote reject, order
# `quote` is a group whose default is `make` (quote_cmd above): `quote DEAL` as before


class DefaultMake(Group):
    """`quote DEAL` is `quote make DEAL`: a first argument that is no subcommand (nor
    --help) makes a quote, as `quote` did before it had subcommands. A deal whose ID is
    `make`, `accept` or `reject` is quoted with `salescli quote make make`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["make", *args]
        return super().parse_args(ctx, args)


@click.group("quote", cls=DefaultMake)
def quote_group() -> None:
    """Make a deal's quote; record the customer's acceptance or rejection.

    \b
    Usage:
      salescli quote DEAL [--format md|html|pdf] [--lang LANG] [--dry-run] [--draft]
      salescli quote accept DEAL [NUMBER] [--date D]
      salescli quote reject DEAL [NUMBER] --reason R

    A recorded quote is sent until accepted or rejected; a sent quote past its
    validity (quote.validity_days) is expired: re-issue it with `salescli quote DEAL`.

    \b
    Examples:
      salescli quote acme-erp --format html
      salescli quote accept acme-erp
      salescli quote reject acme-erp Q-2026-0001 --reason "Over budget"
    """


quote_group.add_command(quote_cmd, "make")

NUMBER = click.argument("number", metavar="[NUMBER]", required=False)
DEAL = click.argument("deal_id", metavar="DEAL", shell_complete=complete_ids("deal"))


@quote_group.command("accept")
@DEAL
@NUMBER
@change_options
@click.pass_context
def accept_cmd(ctx: click.Context, deal_id: str, number: str | None, opts: Options) -> None:
    """Record that the customer accepted a quote (decided: --date or today).

    NUMBER is the deal's latest quote unless given: `Q-2026-0001` names that
    number's latest version, `Q-2026-0001-v2` or `v2` a version. Only the latest
    version of a number, while it is valid, and one accepted quote a deal. `deal
    win` then takes its total excluding VAT as the won value, and `salescli order`
    confirms it.

    \b
    Examples:
      salescli quote accept acme-erp
      salescli quote accept acme-erp Q-2026-0001 --date 2026-12-01
    """
    s, num, version = quotes.accept(get_repo(ctx), deal_id, number, opts)
    done(s, f"Quote {num} v{version} of {deal_id} accepted")


@quote_group.command("reject")
@DEAL
@NUMBER
@click.option("--reason", required=True, metavar="TEXT", help="Why the customer said no.")
@change_options
@click.pass_context
def reject_cmd(ctx: click.Context, deal_id: str, number: str | None, reason: str,
               opts: Options) -> None:
    """Record that the customer rejected a quote, and why.

    NUMBER is the deal's latest quote unless given (as in `quote accept`). The deal
    stays open: change it and quote again (a new version), or lose it.

    \b
    Examples:
      salescli quote reject acme-erp --reason "Over budget"
      salescli quote reject acme-erp Q-2026-0001-v1 --reason "Wanted monthly billing"
    """
    s, num, version = quotes.reject(get_repo(ctx), deal_id, number, reason, opts)
    done(s, f"Quote {num} v{version} of {deal_id} rejected ({reason.strip()})")


@click.command("order")
@DEAL
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md",
              show_default=True,
              help="Markdown, HTML ready to print on A4, or PDF (the pdf extra).")
@LANG
@click.option("--dry-run", is_flag=True,
              help="Print the order confirmation (with the number it would get); write and "
              "commit nothing.")
@change_options
@click.pass_context
def order_cmd(ctx: click.Context, deal_id: str, fmt: str, lang: str | None, dry_run: bool,
              opts: Options) -> None:
    """Record a numbered order confirmation of the deal's accepted quote.

    Written to orders/DEAL/NUMBER.md (or .html, .pdf) and recorded in the deal's
    `orders:`, in one commit. The number follows the settings' order.numbering
    (default O-{year}-{seq:04d}), counted across all deals in the order's year.
    The lines are the accepted quote's, priced as it was. One order per accepted
    quote.

    \b
    Examples:
      salescli order acme-erp --dry-run
      salescli order acme-erp --format html --date 2026-12-03
      salescli order acme-erp --format pdf --lang fi
    """
    repo = get_repo(ctx)
    if dry_run:
        emit(quotes.order_text(repo, deal_id, fmt, opts.date, warn, lang))
        return
    made = quotes.make_order(repo, deal_id, fmt, warn, lang=lang, opts=opts)
    done(made.change, f"Order {made.number} for {deal_id} (quote {made.quote}): {made.file}")
