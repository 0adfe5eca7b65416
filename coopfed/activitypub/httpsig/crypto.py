"""Signature primitives by RFC 9421 algorithm name (the cavage names map onto these)."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from .errors import SignatureError, SignatureFailure
from .keys import PrivateKey, PublicKey

RSA_V1_5_SHA256 = "rsa-v1_5-sha256"
RSA_PSS_SHA512 = "rsa-pss-sha512"
ED25519 = "ed25519"
SUPPORTED_ALGORITHMS = frozenset({RSA_V1_5_SHA256, RSA_PSS_SHA512, ED25519})

_SHA256 = hashes.SHA256()
_SHA512 = hashes.SHA512()
_PKCS1V15 = padding.PKCS1v15()
# RFC 9421 section 3.3.1: MGF1 with SHA-512 and a 64-byte salt.
_PSS_SIGN = padding.PSS(mgf=padding.MGF1(_SHA512), salt_length=64)
_PSS_VERIFY = padding.PSS(mgf=padding.MGF1(_SHA512), salt_length=padding.PSS.AUTO)


def default_algorithm(key: PublicKey | PrivateKey) -> str:
    """The algorithm to assume when a signature does not name one."""
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return ED25519
    return RSA_V1_5_SHA256


def inferred_algorithms(key: PublicKey) -> tuple[str, ...]:
    """What to try, in order, when a signature names no algorithm (or cavage hs2019).

    RSA: PKCS#1 v1.5 SHA-256 is what the fediverse uses; RSASSA-PSS SHA-512 is what hs2019 and
    RFC 9421 examples mean, so it is tried second.
    """
    if isinstance(key, ed25519.Ed25519PublicKey):
        return (ED25519,)
    return (RSA_V1_5_SHA256, RSA_PSS_SHA512)


def _key_mismatch(algorithm: str, key: object) -> SignatureError:
    return SignatureError(
        SignatureFailure.unsupported_algorithm,
        f"algorithm {algorithm} cannot be used with a {type(key).__name__}",
    )


def sign_bytes(algorithm: str, key: PrivateKey, message: bytes) -> bytes:
    if algorithm == ED25519 and isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message)
    if isinstance(key, rsa.RSAPrivateKey):
        if algorithm == RSA_V1_5_SHA256:
            return key.sign(message, _PKCS1V15, _SHA256)
        if algorithm == RSA_PSS_SHA512:
            return key.sign(message, _PSS_SIGN, _SHA512)
    raise _key_mismatch(algorithm, key)


def verify_bytes(algorithm: str, key: PublicKey, signature: bytes, message: bytes) -> bool:
    """True if `signature` is valid; raises SignatureError when algorithm and key disagree."""
    try:
        if algorithm == ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
            return True
        if isinstance(key, rsa.RSAPublicKey):
            if algorithm == RSA_V1_5_SHA256:
                key.verify(signature, message, _PKCS1V15, _SHA256)
                return True
            if algorithm == RSA_PSS_SHA512:
                key.verify(signature, message, _PSS_VERIFY, _SHA512)
                return True
    except (InvalidSignature, ValueError):
        return False
    raise _key_mismatch(algorithm, key)
