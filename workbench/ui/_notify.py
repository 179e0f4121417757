"""How a view passes on what went wrong when a click or a pick asks the session for something."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["report_failure"]


def report_failure(result: Any, on_message: Callable[[str, bool], None]) -> None:
    """Show the message of a failed session action (a successful one says nothing here)."""
    if not result.ok:
        on_message(result.message, False)
