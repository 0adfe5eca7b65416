"""E-mail addresses as the co-op stores and writes to them: one check for every form and command.

Members' addresses (`members.email`, unique) and applicants' (`applications.email`) are kept in
the form `normalise_email` returns, so two spellings of one address are one address.
"""

from __future__ import annotations

import re

from coopfed.services.errors import ServiceError

MAX_ADDRESS = 254  # RFC 5321: a path is at most 256 octets, the angle brackets included
MAX_LOCAL_PART = 64
# The unquoted local part (RFC 5322 dot-atom text): quoted forms and comments are refused, they
# are never needed in practice and are where header injection and mis-parsing hide.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
EXAMPLE = "an address like name@example.org"


def normalise_email(text: str) -> str:
    """The address in the form it is stored and written to (lower case, domain in ASCII);
    ServiceError worded for the applicant when it cannot be an address."""
    address = text.strip()
    if not address:
        raise ServiceError(f"give {EXAMPLE}")
    if any(char.isspace() or ord(char) < 32 for char in address):
        raise ServiceError(f"an e-mail address has no spaces or line breaks: give {EXAMPLE}")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ServiceError(f"an e-mail address has one @ between a name and a domain: {EXAMPLE}")
    if len(local) > MAX_LOCAL_PART or not _LOCAL.fullmatch(local):
        raise ServiceError(
            "the part before the @ may hold letters, digits and . _ + - (at most 64 characters)"
        )
    try:
        ascii_domain = domain.lower().rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise ServiceError(f"{domain!r} is not a domain name: give {EXAMPLE}") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ServiceError(f"{domain!r} is not a domain name: give {EXAMPLE}")
    normalised = f"{local.lower()}@{ascii_domain}"
    if len(normalised) > MAX_ADDRESS:
        raise ServiceError(f"an e-mail address has at most {MAX_ADDRESS} characters")
    return normalised
