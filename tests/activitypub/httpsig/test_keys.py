from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from coopfed.activitypub.httpsig import KeyFormatError
from coopfed.activitypub.httpsig.keys import (
    base58btc_decode,
    base58btc_encode,
    ed25519_to_multibase,
    generate_ed25519_key,
    generate_rsa_key,
    load_private_key_pem,
    load_public_key_pem,
    multibase_to_ed25519,
    multibase_to_public_key,
    private_key_to_pem,
    public_key_to_multibase,
    public_key_to_pem,
)

# RFC 9421 B.1.4 test-key-ed25519 and its FEP-521a Multikey form.
RFC_ED25519_PUBLIC = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs="
RFC_ED25519_MULTIKEY = "z6Mkh4LmfP1ev9MNPGr7JbEbtD6BD4fsu1duEj83PMCs3xHG"


def raw(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_generated_rsa_key_is_2048_bits(rsa_key: rsa.RSAPrivateKey) -> None:
    assert generate_rsa_key().key_size == 2048


def test_pem_round_trips(rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey) -> None:
    for key in (rsa_key, ed_key):
        private_pem = private_key_to_pem(key)
        assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
        public_pem = public_key_to_pem(key.public_key())
        assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
        loaded = load_private_key_pem(private_pem)
        assert public_key_to_pem(loaded.public_key()) == public_pem
        assert public_key_to_pem(load_public_key_pem(public_pem.encode())) == public_pem


def test_pem_loading_refuses_garbage_and_other_key_types() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_public = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    ec_private = ec_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    for bad in ("", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"):
        with pytest.raises(KeyFormatError):
            load_public_key_pem(bad)
        with pytest.raises(KeyFormatError):
            load_private_key_pem(bad)
    with pytest.raises(KeyFormatError):
        load_public_key_pem(ec_public)
    with pytest.raises(KeyFormatError):
        load_private_key_pem(ec_private)


def test_rfc_test_key_multikey() -> None:
    public = ed25519.Ed25519PublicKey.from_public_bytes(
        base64.urlsafe_b64decode(RFC_ED25519_PUBLIC)
    )
    assert ed25519_to_multibase(public) == RFC_ED25519_MULTIKEY
    assert raw(multibase_to_ed25519(RFC_ED25519_MULTIKEY)) == raw(public)


def test_multikey_round_trips(
    rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    ed_multikey = ed25519_to_multibase(ed_key.public_key())
    assert ed_multikey.startswith("z6Mk")
    assert raw(multibase_to_ed25519(ed_multikey)) == raw(ed_key.public_key())
    rsa_multikey = public_key_to_multibase(rsa_key.public_key())
    decoded = multibase_to_public_key(rsa_multikey)
    assert isinstance(decoded, rsa.RSAPublicKey)
    assert decoded.public_numbers() == rsa_key.public_key().public_numbers()
    with pytest.raises(KeyFormatError):
        multibase_to_ed25519(rsa_multikey)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "z",
        "6Mkh4LmfP1ev9MNPGr7JbEbtD6BD4fsu1duEj83PMCs3xHG",  # no multibase prefix
        "z0OIl",  # not base58
        "z" + base58btc_encode(b"\xed\x01" + bytes(31)),  # short key
        "z" + base58btc_encode(b"\x12\x00" + bytes(32)),  # unknown codec
        "z" + base58btc_encode(b"\x85\x24" + b"junk"),  # broken RSA DER
        "z" + "2" * 5000,  # absurdly long
    ],
)
def test_bad_multikeys(text: str) -> None:
    with pytest.raises(KeyFormatError):
        multibase_to_public_key(text)


def test_base58_keeps_leading_zeros() -> None:
    for data in (b"", b"\0", b"\0\0\x01", b"hello", bytes(range(40))):
        assert base58btc_decode(base58btc_encode(data)) == data
    assert base58btc_encode(b"hello world") == "StV1DL6CwTryKyV"


def test_generated_ed25519_keys_differ() -> None:
    assert raw(generate_ed25519_key().public_key()) != raw(generate_ed25519_key().public_key())
