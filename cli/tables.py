"""Tables that fit the terminal: a row's first cell (a source name) is never cut.

Piped output is 80 columns wide. A table whose columns cannot all fit whole is printed as one
block per row instead (the name on its own line, then ``header value`` pairs), which wraps
between pairs and never inside a name.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape, render
from rich.table import Table


@dataclass(frozen=True, slots=True)
class Col:
    """A column: its header, right-aligned numbers, and whether its cells may wrap."""

    header: str
    right: bool = False
    wrap: bool = False


def compact_table(title: str | None, columns: list[Col], rows: list[list[str]]) -> Table:
    """A borderless table, one space between columns, the first column never wrapped."""
    table = Table(
        title=title,
        box=None,
        padding=(0, 1),
        collapse_padding=True,
        pad_edge=False,
        header_style="bold underline",
    )
    for i, col in enumerate(columns):
        table.add_column(
            col.header,
            justify="right" if col.right else "left",
            no_wrap=i == 0 or not col.wrap,
            overflow="fold",
        )
    for row in rows:
        table.add_row(*row)
    return table


def _plain(cell: str) -> str:
    return render(cell).plain


def fits(columns: list[Col], rows: list[list[str]], width: int) -> bool:
    """Whether every unwrappable column fits whole, wrappable ones at 12 characters or more."""
    need = 0
    for i, col in enumerate(columns):
        widest = max([len(col.header), *(len(_plain(row[i])) for row in rows)])
        need += min(widest, 12) if col.wrap and i else widest
    return need + len(columns) - 1 <= width


def print_rows(
    console: Console, title: str | None, columns: list[Col], rows: list[list[str]]
) -> None:
    """The table when it fits ``console``, else one block per row; cells are rich markup."""
    if fits(columns, rows, console.width):
        console.print(compact_table(title, columns, rows))
        return
    if title:
        console.print(f"[bold]{escape(title)}[/]")
    for row in rows:
        console.print(row[0], soft_wrap=True)
        pairs = [f"{col.header} {cell}" for col, cell in zip(columns[1:], row[1:], strict=True)]
        console.print("  " + " · ".join(pairs), highlight=False)
