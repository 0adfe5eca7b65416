"""How a proposal's body divides into paragraphs.

The page and the Question must show the same paragraphs whatever line endings the text came
with: browsers submit textareas with CRLF (HTML's form encoding normalises newlines to CRLF),
the CLI and remote peers send LF, and old Macs' CR still turns up in pasted text. A paragraph
ends at a blank line; a line holding only spaces is blank too.
"""

import re

_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so what is stored and hashed does not depend on the client."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def paragraphs(text: str) -> list[str]:
    """The body's paragraphs, each stripped; empty ones dropped."""
    parts = _BLANK_LINE.split(normalise_newlines(text))
    return [part.strip() for part in parts if part.strip()]
