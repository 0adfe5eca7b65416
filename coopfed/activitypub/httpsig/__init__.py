"""HTTP signatures: draft-cavage-12 and RFC 9421, signing outgoing and verifying incoming."""

from .digest import (
    content_digest_header,
    digest_header,
    verify_content_digest_header,
    verify_digest_header,
)
from .errors import KeyFormatError, KeyUnavailable, SignatureError, SignatureFailure
from .keys import PrivateKey, PublicKey
from .signer import CavageSigner, Rfc9421Signer, http_date
from .verify import KeyResolver, PublicKeyRecord, VerifiedSignature, verify_request

__all__ = [
    "CavageSigner",
    "KeyFormatError",
    "KeyResolver",
    "KeyUnavailable",
    "PrivateKey",
    "PublicKey",
    "PublicKeyRecord",
    "Rfc9421Signer",
    "SignatureError",
    "SignatureFailure",
    "VerifiedSignature",
    "content_digest_header",
    "digest_header",
    "http_date",
    "verify_content_digest_header",
    "verify_digest_header",
    "verify_request",
]
