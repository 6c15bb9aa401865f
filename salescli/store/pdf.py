"""HTML documents as PDF, through WeasyPrint (the optional `pdf` extra).

WeasyPrint lays out HTML and CSS for print (A4 pages, `@page` rules) without a
browser, and gives the same bytes for the same HTML, so a recorded PDF can be
compared with a new rendering as the Markdown and HTML documents are.
"""

from __future__ import annotations

import logging
import os

from salescli.core.errors import SalescliError

HINT = "PDF output needs the pdf extra: pip install 'salescli[pdf]'"
EPOCH = "SOURCE_DATE_EPOCH"


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document made from a shipped or user template."""
    try:
        import weasyprint
    except ImportError:
        raise SalescliError(HINT) from None
    except OSError as err:  # the Python package is there, its Pango libraries are not
        raise SalescliError(f"{HINT} (and the Pango libraries: {err})") from None
    # the documents fetch nothing: no URL resolves, so a template cannot make it read files
    def refuse(url: str, *args: object, **kwargs: object) -> dict:
        raise ValueError(f"documents load no resources ({url})")

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its CSS warnings are ours to fix
    # the embedded fonts' subsets carry a "modified" time, which fontTools takes from
    # SOURCE_DATE_EPOCH when set (reproducible builds), else the clock: fixed, the same
    # HTML gives the same bytes in any second, and an unchanged quote is one version.
    # (The whole process's environment, for the render only: no command renders while
    # another thread starts processes.)
    was = os.environ.get(EPOCH)
    os.environ[EPOCH] = "0"
    try:
        return weasyprint.HTML(string=html, url_fetcher=refuse).write_pdf()
    finally:
        if was is None:
            os.environ.pop(EPOCH, None)
        else:
            os.environ[EPOCH] = was
