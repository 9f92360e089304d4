"""Errors a manager can act on: the CLI prints them as one line (exit 2), the app shows them."""


class UserError(Exception):
    """A problem the user can fix (a missing option, an unknown id, a database in use)."""
