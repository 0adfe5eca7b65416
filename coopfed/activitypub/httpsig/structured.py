"""A small strict parser/serialiser for the RFC 8941 structured fields HTTP signatures use.

Subset: dictionaries whose members are items or inner lists, with parameters; bare items are
integers, strings, tokens, byte sequences and booleans (decimals are refused). Stricter than RFC
8941 on purpose: a duplicated dictionary key or parameter is an error instead of "last one wins",
so the verifier can never read a different value than some other component would.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass


# A token is kept apart from a string: they serialise differently.
class Token(str):
    __slots__ = ()


BareItem = int | str | bytes | bool
Params = dict[str, BareItem]


@dataclass(frozen=True, slots=True)
class Item:
    value: BareItem
    params: Params


@dataclass(frozen=True, slots=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params


Dictionary = dict[str, Item | InnerList]


class StructuredFieldError(ValueError):
    """The field value is not valid (for this strict subset)."""


# Module-level patterns, matched at an offset: far cheaper than a per-character Python loop.
_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~:/A-Za-z0-9]*")
# Printable ASCII except '"' and '\', with \" and \\ escapes ("unrolled loop" form).
_STRING = re.compile(r'"([ !#-\[\]-~]*(?:\\["\\][ !#-\[\]-~]*)*)"')
_STRING_ESCAPE = re.compile(r"\\([\"\\])")
_INTEGER = re.compile(r"-?[0-9]+")
_BYTES = re.compile(r":([A-Za-z0-9+/=]*):")
_MAX_INTEGER_DIGITS = 15


class _Parser:
    __slots__ = ("end", "pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.end = len(text)

    def fail(self, what: str) -> StructuredFieldError:
        return StructuredFieldError(f"{what} at offset {self.pos}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < self.end else ""

    def skip_sp(self) -> None:
        while self.pos < self.end and self.text[self.pos] == " ":
            self.pos += 1

    def skip_ows(self) -> None:
        while self.pos < self.end and self.text[self.pos] in " \t":
            self.pos += 1

    def key(self) -> str:
        match = _KEY.match(self.text, self.pos)
        if match is None:
            raise self.fail("expected a key")
        self.pos = match.end()
        return match.group()

    def dictionary(self) -> Dictionary:
        members: Dictionary = {}
        self.skip_sp()
        while self.pos < self.end:
            name = self.key()
            if name in members:
                raise self.fail(f"duplicate key {name!r}")
            if self.peek() == "=":
                self.pos += 1
                members[name] = self.member_value()
            else:
                members[name] = Item(True, self.params())
            self.skip_ows()
            if self.pos >= self.end:
                return members
            if self.text[self.pos] != ",":
                raise self.fail("expected ','")
            self.pos += 1
            self.skip_ows()
            if self.pos >= self.end:
                raise self.fail("trailing ','")
        return members

    def member_value(self) -> Item | InnerList:
        if self.peek() == "(":
            return self.inner_list()
        return self.item()

    def inner_list(self) -> InnerList:
        self.pos += 1  # "("
        items: list[Item] = []
        while True:
            self.skip_sp()
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.params())
            items.append(self.item())
            if self.peek() not in (" ", ")") or self.pos >= self.end:
                raise self.fail("expected ' ' or ')' in inner list")

    def item(self) -> Item:
        return Item(self.bare_item(), self.params())

    def params(self) -> Params:
        params: Params = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip_sp()
            name = self.key()
            if name in params:
                raise self.fail(f"duplicate parameter {name!r}")
            if self.peek() == "=":
                self.pos += 1
                params[name] = self.bare_item()
            else:
                params[name] = True
        return params

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == '"':
            return self.string()
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            return self.boolean()
        if char == "-" or "0" <= char <= "9":
            return self.integer()
        return self.token()

    def string(self) -> str:
        match = _STRING.match(self.text, self.pos)
        if match is None:
            raise self.fail("bad string (unterminated, bad escape or non-printable)")
        self.pos = match.end()
        value = match.group(1)
        return _STRING_ESCAPE.sub(r"\1", value) if "\\" in value else value

    def token(self) -> Token:
        match = _TOKEN.match(self.text, self.pos)
        if match is None:
            raise self.fail("expected an item")
        self.pos = match.end()
        return Token(match.group())

    def byte_sequence(self) -> bytes:
        match = _BYTES.match(self.text, self.pos)
        if match is None:
            raise self.fail("bad byte sequence")
        self.pos = match.end()
        encoded = match.group(1)
        try:
            # RFC 8941 asks parsers to tolerate missing padding.
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except binascii.Error as exc:
            raise self.fail("bad base64 in byte sequence") from exc

    def boolean(self) -> bool:
        value = self.text[self.pos + 1 : self.pos + 2]
        if value not in ("0", "1"):
            raise self.fail("bad boolean")
        self.pos += 2
        return value == "1"

    def integer(self) -> int:
        match = _INTEGER.match(self.text, self.pos)
        digits = match.group().lstrip("-") if match is not None else ""
        if match is None or len(digits) > _MAX_INTEGER_DIGITS:
            raise self.fail("bad integer")
        self.pos = match.end()
        if self.peek() == ".":
            raise self.fail("decimals are not supported")
        return int(match.group())


def parse_dictionary(text: str) -> Dictionary:
    """Parse a Dictionary field value; raises `StructuredFieldError`."""
    parser = _Parser(text.strip(" "))
    return parser.dictionary()


def serialize_bare_item(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def serialize_params(params: Params) -> str:
    parts: list[str] = []
    for name, value in params.items():
        parts.append(f";{name}" if value is True else f";{name}={serialize_bare_item(value)}")
    return "".join(parts)


def serialize_inner_list(inner: InnerList) -> str:
    items = " ".join(
        serialize_bare_item(item.value) + serialize_params(item.params) for item in inner.items
    )
    return f"({items}){serialize_params(inner.params)}"
