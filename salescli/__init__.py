"""salescli: a git-native sales pipeline."""

__version__ = "0.1.0"


def main() -> None:
    """The `salescli` command. Ctrl-C while Python is still loading the commands (the
    first tens of milliseconds) ends it as click does once they run: `Aborted!`, exit
    1, no traceback."""
    try:
        from salescli.cli import main as run
    except KeyboardInterrupt:
        import sys

        sys.stderr.write("\nAborted!\n")
        raise SystemExit(1) from None
    run()
