"""How a command records its change, light enough to import before any record is read."""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING
from typing import Any
from typing import NamedTuple

if TYPE_CHECKING:
    from salescli.services.edit import Session


class Options(NamedTuple):
    """`--date`, `-m/--message` and `--no-commit`, the same on every mutating command.
    (A NamedTuple: `--help` loads it, and loads no msgspec.)"""

    date: str | dt.date | None = None
    message: str | None = None
    commit: bool = True

    def session(self, repo: Any, kind: str, record_id: str, event: str,
                summary: str = "", ahead: bool = False) -> Session:
        """The Session of one change to `kind` `record_id` (see salescli.services.edit);
        `ahead`: a document that may be dated ahead of today (a quote, an invoice)."""
        from salescli.services.edit import Session

        return Session(repo, kind, record_id, event, summary=summary, date=self.date,
                       message=self.message, commit=self.commit, ahead=ahead)


def now() -> float:
    """The moment, as epoch seconds: the one clock of what lies ahead (a test sets it,
    conftest.clock)."""
    return time.time()


COMMIT = Options()  # today, no message, committed: what a change is unless told otherwise
