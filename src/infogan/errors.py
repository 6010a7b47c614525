"""The project's own error type: the command line shows these to the user as they are, without a traceback."""

from __future__ import annotations


class InfoganError(Exception):
    """An error whose message is meant for the user: one line, naming the problem."""


def one_line(error: BaseException) -> str:
    """An error's message on one line (the text of other libraries' errors may span several), or
    its type's name when it has none."""
    return " ".join(str(error).split()) or type(error).__name__
