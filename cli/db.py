"""``newsmon db``: the database schema."""

from __future__ import annotations

from cli.common import console
from cli.errors import OperatorTyper
from composition.settings import get_settings
from storage.masking import mask_url
from storage.migrate import upgrade

db_app = OperatorTyper(help="Database schema management.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version (safe to repeat)."""
    url = get_settings().resolved_database_url
    upgrade(url)
    console.print(f"database is up to date: {mask_url(url)}")
