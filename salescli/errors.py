"""Domain errors: raised by the library, turned into one stderr line by the CLI."""

from __future__ import annotations


class SalescliError(Exception):
    """A user-facing failure. `str(err)` is the one line the user sees."""

    exit_code = 1


class UsageError(SalescliError):
    """The command was called wrongly (bad ID, unknown option value): exit 2."""

    exit_code = 2


class NotARepository(SalescliError):
    pass


class RecordNotFound(SalescliError):
    pass


class RepositoryBusy(SalescliError):
    pass


class CommitFailed(SalescliError):
    pass
