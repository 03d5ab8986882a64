"""The CLI face of :mod:`composition.preflight`: a configuration problem is one ``error:``
line and exit 2, before anything is fetched."""

from __future__ import annotations

import typer
from rich.markup import escape

from cli.common import EXIT_NOTHING_RAN, err_console
from composition.preflight import CheckedConfig, PreflightError, preflight
from composition.settings import Settings

__all__ = ["CheckedConfig", "PreflightError", "preflight", "preflight_or_exit"]


def preflight_or_exit(settings: Settings | None = None) -> CheckedConfig:
    """:func:`preflight` for a CLI command: a problem is one ``error:`` line and exit 2."""
    try:
        return preflight(settings)
    except PreflightError as exc:
        err_console.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(EXIT_NOTHING_RAN) from None
