"""What the doc generators share: write the page, or with --check say it is stale."""

from __future__ import annotations

import sys
from pathlib import Path


def write_or_check(target: Path, text: str, script: str) -> int:
    """Rewrite `target`; with --check, exit status 1 when it differs from `text`."""
    if "--check" in sys.argv:
        if not target.exists() or target.read_text() != text:
            print(f"docs/{target.name} is out of date: run python docs/{script}",
                  file=sys.stderr)
            return 1
        return 0
    target.write_text(text)
    return 0
