"""`salescli quote` as a group (make, accept, reject) and `salescli order`
(salescli.services.quotes does the work; this module only wires options to it)."""

from __future__ import annotations

from typing import Any

import click

from salescli.cli.common import (
    Group,
    change_options,
    complete_ids,
    done,
    echo,
    get_repo,
    warn,
)
from salescli.cli.documents import quote_cmd
from salescli.services import quotes


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
      salescli quote DEAL [--format md|html] [--dry-run] [--draft]   (= quote make DEAL)
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
def accept_cmd(ctx: click.Context, deal_id: str, number: str | None, date: Any,
               message: str | None, no_commit: bool) -> None:
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
    s, num, version = quotes.accept(get_repo(ctx), deal_id, number, date, message,
                                    not no_commit)
    done(s, f"Quote {num} v{version} of {deal_id} accepted")


@quote_group.command("reject")
@DEAL
@NUMBER
@click.option("--reason", required=True, metavar="TEXT", help="Why the customer said no.")
@change_options
@click.pass_context
def reject_cmd(ctx: click.Context, deal_id: str, number: str | None, reason: str, date: Any,
               message: str | None, no_commit: bool) -> None:
    """Record that the customer rejected a quote, and why.

    NUMBER is the deal's latest quote unless given (as in `quote accept`). The deal
    stays open: change it and quote again (a new version), or lose it.

    \b
    Examples:
      salescli quote reject acme-erp --reason "Over budget"
      salescli quote reject acme-erp Q-2026-0001-v1 --reason "Wanted monthly billing"
    """
    s, num, version = quotes.reject(get_repo(ctx), deal_id, number, reason, date, message,
                                    not no_commit)
    done(s, f"Quote {num} v{version} of {deal_id} rejected ({reason.strip()})")


@click.command("order")
@DEAL
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md",
              show_default=True, help="Markdown, or HTML ready to print on A4.")
@click.option("--dry-run", is_flag=True,
              help="Print the order confirmation (with the number it would get); write and "
              "commit nothing.")
@change_options
@click.pass_context
def order_cmd(ctx: click.Context, deal_id: str, fmt: str, dry_run: bool, date: Any,
              message: str | None, no_commit: bool) -> None:
    """Record a numbered order confirmation of the deal's accepted quote.

    Written to orders/DEAL/NUMBER.md (or .html) and recorded in the deal's
    `orders:`, in one commit. The number follows the settings' order.numbering
    (default O-{year}-{seq:04d}), counted across all deals in the order's year.
    The lines are the accepted quote's, priced as it was. One order per accepted
    quote.

    \b
    Examples:
      salescli order acme-erp --dry-run
      salescli order acme-erp --format html --date 2026-12-03
    """
    repo = get_repo(ctx)
    if dry_run:
        echo(quotes.order_text(repo, deal_id, fmt, date, warn).rstrip("\n"))
        return
    made = quotes.make_order(repo, deal_id, fmt, date, warn, message, commit=not no_commit)
    done(made.change, f"Order {made.number} for {deal_id} (quote {made.quote}): {made.file}")
