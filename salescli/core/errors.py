"""Domain errors: raised by the library, turned into one stderr line by the CLI.

Each error belongs to one category; `salescli.cli` alone maps a category to an exit
code (README, "Exit codes"):

- `UsageError`: the command was called wrongly (a malformed ID or value, a stage or
  pipeline that does not exist, an `--out` that cannot be used as given);
- `RecordNotFound`: a record (or a part of one) the command names does not exist;
- `EnvironmentProblem`: not a repository, git missing or failing, the lock held;
- `Failed`: the command's own output already said what failed (`check`'s findings);
- any other `SalescliError`: refused by a rule or by validation.
"""

from __future__ import annotations


class SalescliError(Exception):
    """A user-facing failure: refused by a rule or validation, unless a subclass says
    otherwise. `str(err)` is the one line the user sees."""


class UsageError(SalescliError):
    """The command was called wrongly: a malformed ID, date or amount, an unknown stage
    or pipeline, an option that cannot be used as given."""


class RecordNotFound(SalescliError):
    """A record, or a part of one (a contact, an item, a stakeholder), is not there.

    For a record, `kinds` and `record_id` say what was looked for: the CLI adds a
    did-you-mean from the IDs there are (only when it reports the error, so a look-up
    that expects to miss costs nothing more).
    """

    def __init__(self, message: str, kinds: tuple[str, ...] = (), record_id: str = ""):
        super().__init__(message)
        self.kinds, self.record_id = kinds, record_id


class EnvironmentProblem(SalescliError):
    """Where the command runs is not fit for it: no repository, git, or a held lock."""


class NotARepository(EnvironmentProblem):
    pass


class RepositoryBusy(EnvironmentProblem):
    pass


class CommitFailed(EnvironmentProblem):
    pass


class Failed(SalescliError):
    """The command ran and its output says what failed (`check` found errors; the merge
    driver left conflicts): exit non-zero without a further error line."""
