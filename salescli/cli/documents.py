"""`salescli quote`, `agenda` and `render`: documents made from the repository's records
(salescli.services.documents makes them; this module only wires options to it)."""

from __future__ import annotations

from typing import Any

import click

from salescli.cli.common import (
    DATE,
    change_options,
    complete_ids,
    done,
    echo,
    get_repo,
    out_path,
    warn,
)
from salescli.services.documents import (
    LANGUAGES,
    agenda,
    make_quote,
    quote_text,
    render_template,
)

# the document's language; the default is decided by services.documents.document_language
LANG = click.option(
    "--lang", type=click.Choice(LANGUAGES),
    help="Language: en, fi or sv (default: the customer's `language`, else the settings' "
    "locale's).")

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
@LANG
@change_options
@click.pass_context
def quote_cmd(ctx: click.Context, deal_id: str, fmt: str, dry_run: bool, draft: bool,
              lang: str | None, date: str | None, message: str | None,
              no_commit: bool) -> None:
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
      salescli quote acme-erp --lang sv --format html
    """
    repo = get_repo(ctx)
    if dry_run or draft:
        echo(quote_text(repo, deal_id, fmt, date, warn, draft=draft, lang=lang).rstrip("\n"))
        return
    made = make_quote(repo, deal_id, fmt, date, warn, message, commit=not no_commit,
                      lang=lang)
    done(made.change, f"Quote {made.number} v{made.version} for {deal_id}: {made.file} "
                      f"({made.gross} incl. VAT)")


# ------------------------------------------------------------------------ agenda


@click.command("agenda")
@click.argument("deal_id", metavar="DEAL", shell_complete=complete_ids("deal"))
@LANG
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
      salescli agenda acme-erp --lang sv
    """
    target = out_path(out, force) if out else None
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

    \b
    Examples:
      salescli render order-confirmation acme-erp --out order.md
      salescli render my-contract.md.j2 deal:acme-erp
      salescli render order-confirmation acme-erp --lang fi
    """
    where = out_path(out, force) if out else None
    doc = render_template(get_repo(ctx), template, target, date, warn, where, lang)
    if where:
        echo(f"Rendered {doc.template} for {doc.kind} {doc.id} to {out}")
    else:
        echo(doc.text.rstrip("\n"))
