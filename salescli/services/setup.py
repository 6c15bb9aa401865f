"""`check` and `schema`: what the commands that set up and guard a repository need
beyond `salescli.services.init`.

A `check` whose files did not change answers from its cache without the record models
(pydantic): what validates is imported only where it runs.
"""

from __future__ import annotations

from typing import Any


def check(repo: Any, staged: bool = False, history: bool = False, quiet: bool = False,
          use_cache: bool = True) -> list[Any]:
    """The findings of `check`: the work tree's files (or, with `staged`, the files as
    staged for the next commit, with the stage and status changes the rules refuse),
    plus with `history` the stage changes in git history
    that broke the pipeline's rules; with `quiet`, the errors only."""
    if staged:
        from salescli.services.staged import check_staged, staged_transitions

        diagnostics = check_staged(repo.root, repo.git_dir, use_cache=use_cache)
        # and the stage and status changes by hand, against the committed versions
        diagnostics = sorted({*diagnostics, *staged_transitions(
            repo.root, repo.git_dir, use_cache=use_cache)})
    else:
        from salescli.services.checkcache import cached_check

        diagnostics = cached_check(repo.root, repo.git_dir, use_cache=use_cache)
    if history:
        from salescli.services.check import history_diagnostics

        diagnostics += history_diagnostics(repo.root, repo.git_dir, use_cache=use_cache)
    if quiet:
        diagnostics = [d for d in diagnostics if d.severity == "error"]
    return diagnostics


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a record kind, products, settings or a pipeline."""
    from salescli.core.model import json_schema as schema

    return schema(kind)
