"""salescli: a git-native sales pipeline."""

from __future__ import annotations

import gc
from typing import NoReturn

__version__ = "0.1.0"


def main() -> NoReturn:
    """The `salescli` command. Ctrl-C while Python is still loading the commands (the
    first tens of milliseconds) ends it as click does once they run: `Aborted!`, exit
    1, no traceback."""
    # A command makes hundreds of thousands of objects (imports, index rows, history,
    # output): at the default threshold (700) the cyclic collector rescanned them about
    # 100 times, 20-40 ms of a listing or report on 10,000 deals and 4 ms of loading
    # the commands; now about 140 times less often. Reference counting frees
    # everything as before.
    gc.set_threshold(100_000)
    try:
        from salescli.cli import main as run
    except KeyboardInterrupt:
        import sys

        sys.stderr.write("\nAborted!\n")
        raise SystemExit(1) from None
    try:
        run()
    except SystemExit as done:  # click always leaves this way
        leave(done.code)
    leave(0)


def leave(code: object) -> NoReturn:
    """Exit with `code` as SystemExit would, without tearing the interpreter down.

    Freeing every module and object one by one costs about 10 ms of a command that
    took 100: a write must be as fast as `git commit`. Nothing is lost: the standard
    streams are flushed and the exit handlers run (temporary folders), every file
    salescli writes is closed before this (atomic writes), and the record index's
    transactions are committed. A thread still working (none is, today) gets the
    ordinary exit, which waits for it. (For the console command only: a program that
    runs salescli in its own process calls `salescli.cli.cli`.)
    """
    import atexit
    import os
    import sys

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # SystemExit("message"): printed, exit 1
        sys.stderr.write(f"{code}\n")
        status = 1
    threading = sys.modules.get("threading")
    if threading is not None and any(
            t.is_alive() and not t.daemon for t in threading.enumerate()
            if t is not threading.main_thread()):
        raise SystemExit(status)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # `salescli deal list | head`: the reader left, as git does
            status = status or 1
        except OSError as err:  # `> /dev/full`: the output did not all arrive
            try:
                sys.stderr.write(f"Error: {err.strerror or err}\n")
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            status = status or 1
        except (ValueError, AttributeError):  # closed, or no stream at all
            pass
    os._exit(status)
