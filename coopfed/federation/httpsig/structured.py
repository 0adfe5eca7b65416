"""A small strict parser/serialiser for the RFC 8941 structured fields HTTP signatures use.

Subset: dictionaries whose members are items or inner lists, with parameters; bare items are
integers, strings, tokens, byte sequences and booleans (decimals are refused). Stricter than RFC
8941 on purpose: a duplicated dictionary key or parameter is an error instead of "last one wins",
so the verifier can never read a different value than some other component would.
"""

from __future__ import annotations

import base64
import binascii
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


_KEY_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz*")
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-.*")
_TOKEN_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ*")
_TOKEN_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~:/"
)
_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_DIGITS = frozenset("0123456789")
_MAX_INTEGER_DIGITS = 15


class _Parser:
    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> StructuredFieldError:
        return StructuredFieldError(f"{what} at offset {self.pos}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_sp(self) -> None:
        while self.peek() == " ":
            self.pos += 1

    def skip_ows(self) -> None:
        while self.peek() in (" ", "\t") and self.peek():
            self.pos += 1

    def key(self) -> str:
        start = self.pos
        if self.peek() not in _KEY_FIRST or not self.peek():
            raise self.fail("expected a key")
        self.pos += 1
        while self.peek() and self.peek() in _KEY_CHARS:
            self.pos += 1
        return self.text[start : self.pos]

    def dictionary(self) -> Dictionary:
        members: Dictionary = {}
        self.skip_sp()
        while self.pos < len(self.text):
            name = self.key()
            if name in members:
                raise self.fail(f"duplicate key {name!r}")
            if self.peek() == "=":
                self.pos += 1
                members[name] = self.member_value()
            else:
                members[name] = Item(True, self.params())
            self.skip_ows()
            if self.pos >= len(self.text):
                return members
            if self.peek() != ",":
                raise self.fail("expected ','")
            self.pos += 1
            self.skip_ows()
            if self.pos >= len(self.text):
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
            if self.peek() not in (" ", ")") or not self.peek():
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
        if char == "-" or (char and char in _DIGITS):
            return self.integer()
        if char and char in _TOKEN_FIRST:
            return self.token()
        raise self.fail("expected an item")

    def string(self) -> str:
        self.pos += 1
        chars: list[str] = []
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            self.pos += 1
            if char == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\") or not escaped:
                    raise self.fail("bad escape in string")
                chars.append(escaped)
                self.pos += 1
            elif char == '"':
                return "".join(chars)
            elif not " " <= char <= "~":
                raise self.fail("non-printable character in string")
            else:
                chars.append(char)
        raise self.fail("unterminated string")

    def token(self) -> Token:
        start = self.pos
        self.pos += 1
        while self.peek() and self.peek() in _TOKEN_CHARS:
            self.pos += 1
        return Token(self.text[start : self.pos])

    def byte_sequence(self) -> bytes:
        end = self.text.find(":", self.pos + 1)
        if end < 0:
            raise self.fail("unterminated byte sequence")
        encoded = self.text[self.pos + 1 : end]
        if not _BASE64_CHARS.issuperset(encoded):
            raise self.fail("bad character in byte sequence")
        self.pos = end + 1
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
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        digits_start = self.pos
        while self.peek() and self.peek() in _DIGITS:
            self.pos += 1
        digits = self.pos - digits_start
        if digits == 0 or digits > _MAX_INTEGER_DIGITS:
            raise self.fail("bad integer")
        if self.peek() == ".":
            raise self.fail("decimals are not supported")
        return int(self.text[start : self.pos])


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
