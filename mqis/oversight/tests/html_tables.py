"""Read the tables of a page as a person would: each row's cells as plain text."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Table:
    attrs: dict[str, str]
    caption: str = ""
    rows: list[list[str]] = field(default_factory=list)

    def row(self, heading: str) -> list[str]:
        """The cells after the row heading, e.g. table.row("Occupied beds")."""
        found = [r[1:] for r in self.rows if r and r[0] == heading]
        assert len(found) == 1, f"{len(found)} rows headed {heading!r}"
        return found[0]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[Table] = []
        self.open: list[Table] = []
        self.cell: list[str] | None = None
        self.in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            table = Table({k: v or "" for k, v in attrs})
            self.tables.append(table)
            self.open.append(table)
        elif tag == "tr" and self.open:
            self.open[-1].rows.append([])
        elif tag in {"th", "td"} and self.open:
            self.cell = []
        elif tag == "caption":
            self.in_caption = True
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.open:
            self.open.pop()
        elif tag in {"th", "td"} and self.cell is not None and self.open:
            self.open[-1].rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "caption":
            self.in_caption = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        elif self.in_caption and self.open:
            self.open[-1].caption += data


def tables(html: str) -> list[Table]:
    reader = _Reader()
    reader.feed(html)
    return reader.tables


def table_with(html: str, caption_part: str) -> Table:
    """The one table whose caption contains these words."""
    found = [t for t in tables(html) if caption_part in t.caption]
    assert len(found) == 1, f"{len(found)} tables with {caption_part!r} in the caption"
    return found[0]
