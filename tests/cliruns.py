"""Running ``trustboard`` commands in tests through the real entry point, ``main(argv)``.

Typer's test runner calls the app directly, so a test through it never sees the error
printing and the exit codes ``main`` gives a user.  :func:`run` calls ``main`` itself, takes
what it printed on standard output and standard error, and keeps the error ``main`` printed
(or the exception it let through) for the tests that look at the problems themselves.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

from trustboard.cli import app as app_module
from trustboard.errors import TrustboardError


@dataclass(frozen=True, slots=True)
class Result:
    """What one command did: its exit code, what it printed, and the error behind a failure."""

    exit_code: int
    stdout: str
    stderr: str
    #: the error main printed (a TrustboardError), or an exception main let through
    exception: BaseException | None

    @property
    def output(self) -> str:
        """Standard output then standard error."""
        return self.stdout + self.stderr


def run(args: Sequence[object], input: str | None = None) -> Result:
    """Run ``trustboard ARGS`` as a user would; never raises (see ``Result.exception``)."""
    printed: list[TrustboardError] = []
    real = app_module.print_error

    def keep(error: TrustboardError) -> None:
        printed.append(error)
        real(error)

    # a traceback instead of the printed error would bypass what is being tested
    debug = os.environ.pop("TRUSTBOARD_DEBUG", None)
    stdin = sys.stdin
    out, err = io.StringIO(), io.StringIO()
    exception: BaseException | None = None
    app_module.print_error = keep  # type: ignore[assignment]
    try:
        if input is not None:
            sys.stdin = io.StringIO(input)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = app_module.main([str(arg) for arg in args])
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else 1
            except Exception as error:
                code, exception = 1, error
    finally:
        app_module.print_error = real  # type: ignore[assignment]
        sys.stdin = stdin
        if debug is not None:
            os.environ["TRUSTBOARD_DEBUG"] = debug
    if exception is None and printed:
        exception = printed[-1]
    return Result(code, out.getvalue(), err.getvalue(), exception)


class Trustboard:
    """A runner with Typer's test-runner shape (``invoke(args)``) over :func:`run`."""

    def invoke(self, args: Sequence[object], input: str | None = None) -> Result:
        """Run one command through ``main(argv)``."""
        return run(args, input=input)
