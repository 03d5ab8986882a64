"""One clear line instead of a traceback for the faults an operator can fix.

A bad setting, a bad topics file or a database that cannot be reached is not a bug in newsmon:
the operator needs to know which file / variable / URL and what failed, not 150 lines of
stack. ``-vv`` keeps the traceback for whoever debugs. Exit code 2: nothing could run.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import click
import typer
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, NoSuchModuleError, OperationalError

from cli.common import EXIT_NOTHING_RAN, err_console
from processing.errors import TaxonomyError
from storage.masking import mask_secrets, mask_url

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def database_error_line(url: str, exc: BaseException) -> str:
    """``cannot use the database <url>: <first line of the driver's message>``."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return f"cannot use the database {mask_url(url)}: {mask_secrets(first)}"


def settings_error_line(exc: ValidationError) -> str:
    """Each bad ``NEWSMON_*`` variable with its reason, on one line."""
    parts = []
    for error in exc.errors():
        name = "NEWSMON_" + "_".join(str(p) for p in error["loc"]).upper()
        parts.append(f"{name}={error.get('input')!r}: {error['msg']}")
    return "bad setting: " + "; ".join(parts)


def _verbosity() -> int:
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return 0
    return int(ctx.find_root().params.get("verbose") or 0)


def _database_url() -> str:
    from composition.settings import get_settings

    try:
        return get_settings().resolved_database_url
    except ValidationError:
        return "<invalid settings>"


def operator_errors(command: F) -> F:
    """Wrap a CLI command: known operator faults end as one ``error:`` line and exit 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ValidationError, TaxonomyError, DBAPIError, NoSuchModuleError) as exc:
            if _verbosity() > 1:
                raise
            if isinstance(exc, ValidationError) and exc.title == "Settings":
                line = settings_error_line(exc)
            elif isinstance(exc, ValidationError):
                raise
            elif isinstance(exc, TaxonomyError):
                line = f"bad topics file: {exc}"
            elif isinstance(exc, OperationalError | NoSuchModuleError) or _is_connection(exc):
                line = database_error_line(_database_url(), exc)
            else:
                raise
            log.debug("operator error", exc_info=exc)
            err_console.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_NOTHING_RAN) from None

    return wrapper  # type: ignore[return-value]


def _is_connection(exc: DBAPIError) -> bool:
    return bool(exc.connection_invalidated) or type(exc.orig).__name__ in (
        "OperationalError",
        "InterfaceError",
    )


class OperatorTyper(typer.Typer):
    """A Typer app whose every command and callback reports operator faults in one line."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        register = super().command(*args, **kwargs)

        def decorator(func: F) -> F:
            register(operator_errors(func))
            return func

        return decorator

    def callback(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        register = super().callback(*args, **kwargs)

        def decorator(func: F) -> F:
            register(operator_errors(func))
            return func

        return decorator
