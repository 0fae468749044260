"""The text index of class headers: which project modules may define a subclass of a class.

Class-hierarchy analysis needs the project subclasses of a class, and a subclass may live in any
file, loaded or not. One pass over the bytes of every project file (no parsing) finds the words
of every class header's base list and every ``X.register`` (:func:`class_header_words`); a module
whose words include a class's name is a *candidate*, loaded to see whether its classes really
subclass that class (decision 0024).

Loading a candidate costs a parse, so :meth:`HeaderIndex.may_lead_to` also says, from the text
alone, whether a candidate can matter for a given method: only when it, or a module further down
the textual chain of subclasses, defines a method of that name (decision 0050).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# A class header's base list, or a registration with an ABC: what makes a class a subclass.
# Both patterns start with a literal, which the regex engine finds with a fast substring search
# (a leading ``^[ \t]*`` or ``\w+`` made it try every position: 4x slower on the stdlib).
_CLASS_HEADER = re.compile(rb"class[ \t]+(\w+)[^(:\n]*\(([^)]*)\)")
_REGISTRATION = re.compile(rb"\.register\b")
_WORD = re.compile(rb"[A-Za-z_]\w*")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def class_headers(data: bytes) -> list[tuple[bytes, set[bytes]]]:
    """Each class header of a file that has a base list: the class's name and the words of
    its bases (a header must start its line; a nested class's counts too)."""
    headers: list[tuple[bytes, set[bytes]]] = []
    if b"class" not in data:
        return headers
    position = 0
    while (match := _CLASS_HEADER.search(data, position)) is not None:
        start = match.start()
        line = data.rfind(b"\n", 0, start) + 1
        if data[line:start].strip(b" \t"):  # not at the start of a line: look further on
            position = start + 1
            continue
        headers.append((match.group(1), set(_WORD.findall(match.group(2)))))
        position = match.end()
    return headers


def registration_words(data: bytes) -> set[bytes]:
    """The names before ``.register`` (``Interface.register(Implementation)``)."""
    words: set[bytes] = set()
    if b".register" not in data:
        return words
    end_of_last = 0
    for match in _REGISTRATION.finditer(data):
        end = start = match.start()
        while start > end_of_last and data[start - 1] in _WORD_BYTES:
            start -= 1
        if start < end:
            words.add(data[start:end])
            end_of_last = match.end()
    return words


def class_header_words(data: bytes) -> set[bytes]:
    """The words in a file's class base lists and before ``.register``: the names of the classes
    it may subclass."""
    words = registration_words(data)
    for _, bases in class_headers(data):
        words.update(bases)
    return words


def _names_any(data: bytes, words: list[bytes]) -> bool:
    for word in words:
        start = data.find(word)
        while start != -1:
            end = start + len(word)
            before = data[start - 1 : start] if start else b" "
            after = data[end : end + 1] or b" "
            if not (before.isalnum() or before == b"_" or after.isalnum() or after == b"_"):
                return True
            start = data.find(word, end)
    return False


class HeaderIndex:
    """Class-header words of every project file, read once, when first asked for."""

    def __init__(self, sources: Callable[[], Iterable[tuple[str, bytes]]]) -> None:
        self._sources = sources
        self._by_word: dict[bytes, list[str]] | None = None
        self._texts: dict[str, bytes] = {}
        self._headers: dict[str, list[tuple[bytes, set[bytes]]]] = {}
        self._registrations: dict[str, set[bytes]] = {}
        self._defines: dict[tuple[str, str], bool] = {}
        self._leads: dict[tuple[str, bytes, str], bool] = {}
        self._near: dict[tuple[bytes, str], list[str]] = {}  # (word, defined_in) -> candidates
        self._definers: dict[str, list[str]] = {}  # method name -> modules that may define it

    def defining(self, method: str) -> list[str]:
        """Project modules whose text may define a function or method called ``method``."""
        self._read()
        found = self._definers.get(method)
        if found is None:
            found = self._definers[method] = [
                module for module in self._texts if self._defines_method(module, method)
            ]
        return found

    def _read(self) -> None:
        if self._by_word is None:
            index: dict[bytes, list[str]] = {}
            for module, data in self._sources():
                self._texts[module] = data
                for found in class_header_words(data):
                    index.setdefault(found, []).append(module)
            self._by_word = index

    def candidates(self, word: bytes, defined_in: str = "") -> list[str]:
        """Project modules with a class header (or a ``.register``) naming ``word``: where the
        subclasses of a class called ``word`` may be.

        With ``defined_in``, the module defining that class, other modules must also name one
        part of its dotted name (``asyncio``, ``streams``), as an import of it does: a class
        ``StreamReader`` of ``codecs`` does not make every codec a candidate."""
        self._read()
        assert self._by_word is not None
        found = self._by_word.get(word, [])
        if not defined_in:
            return found
        key = (word, defined_in)
        near = self._near.get(key)
        if near is None:
            parts = [part.encode() for part in defined_in.split(".") if part]
            near = self._near[key] = [
                module
                for module in found
                if module == defined_in or _names_any(self._texts.get(module, b""), parts)
            ]
        return near

    def may_lead_to(self, module: str, word: bytes, method: str) -> bool:
        """Whether candidate ``module`` (for a class called ``word``) may hold a subclass that
        defines ``method``, directly or through its own subclasses, as far as the text says.

        False only when neither the module nor any module down the textual chain of classes
        whose headers name the previous class has a ``def`` of that name, and none registers
        a class: such a module cannot add an implementation of ``method``, so it need not be
        loaded to find them."""
        if not method.isascii():
            return True
        key = (module, word, method)
        known = self._leads.get(key)
        if known is None:
            known = self._leads[key] = self._search(module, word, method)
        return known

    def _search(self, module: str, word: bytes, method: str) -> bool:
        seen: set[tuple[str, bytes]] = set()
        pending = [(module, word)]
        while pending:
            current, parent = pending.pop()
            if (current, parent) in seen:
                continue
            seen.add((current, parent))
            if self._defines_method(current, method) or parent in self._registered(current):
                return True
            for name, bases in self._class_headers(current):
                if parent in bases:
                    pending.extend((found, name) for found in self.candidates(name, current))
        return False

    def _defines_method(self, module: str, method: str) -> bool:
        key = (module, method)
        known = self._defines.get(key)
        if known is None:
            # No word boundary before ``def``: a pattern that starts with a literal is found by
            # a substring search, and a ``def`` inside a longer word only makes a superset.
            pattern = rb"def[\s\\]+" + re.escape(method.encode()) + rb"\b"
            known = self._defines[key] = (
                re.search(pattern, self._texts.get(module, b"")) is not None
            )
        return known

    def _class_headers(self, module: str) -> list[tuple[bytes, set[bytes]]]:
        found = self._headers.get(module)
        if found is None:
            found = self._headers[module] = class_headers(self._texts.get(module, b""))
        return found

    def _registered(self, module: str) -> set[bytes]:
        found = self._registrations.get(module)
        if found is None:
            found = self._registrations[module] = registration_words(self._texts.get(module, b""))
        return found
