"""Key pairs, PEM and Multikey (FEP-521a) helpers for actor keys."""

from __future__ import annotations

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from .errors import KeyFormatError

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

# Multicodec prefixes (unsigned varints): ed25519-pub 0xed, rsa-pub 0x1205.
_ED25519_PREFIX = b"\xed\x01"
_RSA_PREFIX = b"\x85\x24"
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: index for index, char in enumerate(_BASE58_ALPHABET)}
# Base58 decoding is quadratic; an RSA-4096 Multikey is ~750 characters.
_MAX_MULTIBASE_CHARS = 2048


def generate_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def generate_ed25519_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def private_key_to_pem(key: PrivateKey) -> str:
    """PKCS#8, unencrypted (the database column is the protection)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_key_to_pem(key: PublicKey) -> str:
    """SubjectPublicKeyInfo PEM, as published in `publicKeyPem`."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def _as_bytes(pem: str | bytes) -> bytes:
    return pem.encode("ascii", "replace") if isinstance(pem, str) else pem


def load_private_key_pem(pem: str | bytes) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(_as_bytes(pem), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError(f"unreadable private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise KeyFormatError(f"unsupported private key type {type(key).__name__}")
    return key


def load_public_key_pem(pem: str | bytes) -> PublicKey:
    """Load SPKI (or PKCS#1 `RSA PUBLIC KEY`) PEM; only RSA and Ed25519 keys are accepted."""
    try:
        key = serialization.load_pem_public_key(_as_bytes(pem))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError(f"unreadable public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise KeyFormatError(f"unsupported public key type {type(key).__name__}")
    return key


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        chars.append(_BASE58_ALPHABET[remainder])
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + "".join(reversed(chars))


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        digit = _BASE58_INDEX.get(char)
        if digit is None:
            raise KeyFormatError(f"invalid base58btc character {char!r}")
        number = number * 58 + digit
    leading_zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_zeros + body


def public_key_to_multibase(key: PublicKey) -> str:
    """FEP-521a `publicKeyMultibase`: 'z' + base58btc(multicodec prefix + key bytes)."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return "z" + base58btc_encode(_ED25519_PREFIX + raw)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return "z" + base58btc_encode(_RSA_PREFIX + der)


def multibase_to_public_key(text: str) -> PublicKey:
    """Decode a FEP-521a Multikey (Ed25519, or RSA as used by Fedify); raises KeyFormatError."""
    if not text.startswith("z") or len(text) > _MAX_MULTIBASE_CHARS:
        raise KeyFormatError("Multikey must be base58btc ('z') and of sane length")
    data = base58btc_decode(text[1:])
    if data.startswith(_ED25519_PREFIX):
        raw = data[len(_ED25519_PREFIX) :]
        if len(raw) != 32:
            raise KeyFormatError("Ed25519 Multikey must hold 32 bytes")
        try:
            return ed25519.Ed25519PublicKey.from_public_bytes(raw)
        except ValueError as exc:
            raise KeyFormatError(f"bad Ed25519 Multikey: {exc}") from exc
    if data.startswith(_RSA_PREFIX):
        try:
            key = serialization.load_der_public_key(data[len(_RSA_PREFIX) :])
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyFormatError(f"unreadable RSA Multikey: {exc}") from exc
        if isinstance(key, rsa.RSAPublicKey):
            return key
    raise KeyFormatError("Multikey is neither ed25519-pub nor rsa-pub")


def ed25519_to_multibase(key: ed25519.Ed25519PublicKey) -> str:
    return public_key_to_multibase(key)


def multibase_to_ed25519(text: str) -> ed25519.Ed25519PublicKey:
    key = multibase_to_public_key(text)
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise KeyFormatError("Multikey is not an Ed25519 key")
    return key
