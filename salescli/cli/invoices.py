"""`salescli invoice`: a won deal's invoice for a billing period, or a credit note
(salescli.services.invoices makes them; this module only wires options to it)."""

from __future__ import annotations

import click

from salescli.cli.common import UsageError
from salescli.cli.common import change_options
from salescli.cli.common import complete_ids
from salescli.cli.common import done
from salescli.cli.common import emit
from salescli.cli.common import get_repo
from salescli.cli.common import lang_option
from salescli.cli.common import warn
from salescli.services.documents import FORMATS
from salescli.services.documents import LANGUAGES
from salescli.services.invoices import PERIOD
from salescli.services.invoices import invoice_text
from salescli.services.invoices import make_invoice
from salescli.services.options import Options


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A bad --period is a usage error on one line (exit 2)."""
    if value is not None and not PERIOD.match(value):
        raise UsageError(f"--period {value!r} is not a month YYYY-MM, e.g. 2026-11")
    return value


@click.command("invoice")
@click.argument("deal_id", metavar="DEAL", shell_complete=complete_ids("deal"))
@click.option("--period", metavar="YYYY-MM", callback=_period,
              help="The billing month (default: the month of the invoice's date).")
@click.option("--credit", metavar="NUMBER",
              help="Make a credit note reversing the deal's invoice NUMBER instead.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md",
              show_default=True,
              help="Markdown, HTML ready to print on A4, or PDF (the pdf extra).")
@lang_option(LANGUAGES)
@click.option("--dry-run", is_flag=True,
              help="Print the invoice (with the number it would get); write and commit "
              "nothing.")
@change_options
@click.pass_context
def invoice_cmd(ctx: click.Context, deal_id: str, period: str | None, credit: str | None,
                fmt: str, lang: str | None, dry_run: bool, opts: Options) -> None:
    """Invoice a won deal for one billing period: write it to invoices/YEAR/, record
    it on the deal, commit.

    Lines are priced as the deal's quote. One-time items go on the deal's first
    invoice; a monthly item is billed each month from the won date's month, a
    quarterly one every third month, an annual one once a year, each at most its
    `cycles` times. Numbers follow invoice.numbering, gap-free per year across all
    deals; the due date is payment_terms_days after the date. A Finnish reference
    number, and the bank barcode for EUR to a Finnish IBAN, are printed. An issued
    invoice is never changed (`check` flags an edited one): credit it with
    --credit and issue a new one.

    \b
    Examples:
      salescli invoice acme-erp --dry-run
      salescli invoice acme-erp --period 2026-12 --format html
      salescli invoice acme-erp --credit 20260007
      salescli invoice acme-erp --format pdf --lang fi
    """
    if credit is not None and period is not None:
        raise UsageError("--credit reverses a whole invoice, its period included; "
                               "leave out --period")
    repo = get_repo(ctx)
    if dry_run:
        emit(invoice_text(repo, deal_id, fmt, opts.date, period, credit, lang, warn))
        return
    made = make_invoice(repo, deal_id, fmt, period, credit, lang, warn, opts)
    what = f"Credit note {made.number} of invoice {made.credit_of}" if made.credit_of \
        else f"Invoice {made.number}"
    due = "" if made.credit_of else f", due {made.due.isoformat()}"  # nothing to pay
    done(made.change, f"{what} for {deal_id}: {made.file} ({made.gross} incl. VAT{due})")
