"""Errors a user can act on.

A :class:`UserInputError` carries one line that names the file, row, column and what was
expected. The CLI prints it without a traceback and exits with code 2.
"""

from __future__ import annotations

__all__ = ["UserInputError"]


class UserInputError(ValueError):
    """A problem with the user's input (config, data file, table), not with the package.

    Parameters
    ----------
    message : str
        One line: what is wrong, where (file, sheet, row, column), and what was expected.
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))
