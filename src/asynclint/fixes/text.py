"""Positions in source text: 1-based line/column pairs to string offsets and back."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from asynclint.models import Span

# The line breaks Python's tokenizer knows; str.splitlines would also split on form feeds.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Replacement:
    """Replace ``text[start:end]`` with ``content`` (offsets into the original text)."""

    start: int
    end: int
    content: str

    def overlaps(self, other: Replacement) -> bool:
        return self.start < other.end and other.start < self.end

    def narrowed(self, text: str) -> Replacement:
        """The same change without the text it keeps at either end (so that it meets fewer
        other fixes)."""
        old, new = text[self.start : self.end], self.content
        head = 0
        while head < min(len(old), len(new)) and old[head] == new[head]:
            head += 1
        tail = 0
        while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
            tail += 1
        return Replacement(self.start + head, self.end - tail, new[head : len(new) - tail])


class SourceText:
    """Converts between string offsets and 1-based (line, column) positions of one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def offset(self, line: int, column: int) -> int:
        """Offset of a 1-based line and 1-based column; lines past the end map to the end."""
        if line > len(self._line_starts):
            return len(self.text)
        return min(self._line_starts[line - 1] + column - 1, len(self.text))

    def line_start(self, line: int) -> int:
        return self.offset(line, 1)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        line_index = bisect_right(self._line_starts, offset) - 1
        return line_index + 1, offset - self._line_starts[line_index] + 1

    def span(self, start: int, end: int) -> Span:
        start_line, start_column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(start_line, start_column, end_line, end_column)

    def line_is_blank(self, line: int) -> bool:
        if line > len(self._line_starts):
            return True
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.text)
        return not self.text[start:end].strip()


def apply_replacements(text: str, replacements: list[Replacement]) -> str:
    """Apply non-overlapping replacements; an insertion at a replaced start goes first."""
    pieces: list[str] = []
    cursor = 0
    for replacement in sorted(replacements, key=lambda r: (r.start, r.end)):
        pieces.append(text[cursor : replacement.start])
        pieces.append(replacement.content)
        cursor = max(cursor, replacement.end)
    pieces.append(text[cursor:])
    return "".join(pieces)
