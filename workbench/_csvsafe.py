"""Spreadsheet-formula injection protection for CSV text cells.

A text cell that a spreadsheet would read as a formula (it begins with ``=``,
``+``, ``-``, ``@``, a tab, a carriage return or ``'``) is written with one leading
``'``. :func:`unprotect` removes exactly that one ``'`` again, so the protection
is reversible.
"""

from __future__ import annotations

PROTECTED_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "'")


def protect(text: str) -> str:
    """Return *text* with a leading ``'`` when a spreadsheet could run it."""
    if text.startswith(PROTECTED_PREFIXES):
        return "'" + text
    return text


def unprotect(text: str) -> str:
    """Reverse :func:`protect`: remove exactly one leading ``'`` if present."""
    if text.startswith("'"):
        return text[1:]
    return text
