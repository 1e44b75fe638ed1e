"""The exception types a user sees: bad input, and a machine that cannot run what was asked."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ConfigError(ValueError):
    """Bad input in a scenario or config; the message names the key path and the fix."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class EnvironmentFault(RuntimeError):
    """The machine, not the input, stops the run; the message names the path and the fix.

    A folder another process holds, an output location that cannot be written, a full disk, a
    run that would not fit in memory. The command line reports it with exit status 1 (a user's
    mistake, :class:`ConfigError`, exits with 2).
    """


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """A hint naming the closest valid option(s), and the full list.

    Examples
    --------
    >>> did_you_mean("treshold", ["threshold", "graduated"])
    "did you mean 'threshold'? Valid: graduated, threshold"
    """
    options = sorted(options)
    close = difflib.get_close_matches(word, options, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"{hint}Valid: {', '.join(options)}"
