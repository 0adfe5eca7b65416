"""HTTPS through the vetting backend: the socket goes to the vetted address, while SNI and
certificate verification still use the host name from the URL."""

from __future__ import annotations

import datetime
import pathlib
import ssl
from collections.abc import AsyncIterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from coopfed.activitypub.safefetch import FetchFailed, FetchPolicy, SafeFetcher

from .test_safefetch_helpers import RawServer, RecordingBackend, StubResolver, serve_doc


def self_signed(directory: pathlib.Path, name: str) -> tuple[pathlib.Path, pathlib.Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / f"{name}.pem"
    key_path = directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def peer_cert(tmp_path: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    return self_signed(tmp_path, "peer.test")


@pytest.fixture
async def tls_server(peer_cert: tuple[pathlib.Path, pathlib.Path]) -> AsyncIterator[RawServer]:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(*peer_cert)
    raw = RawServer()
    await raw.start(server_context)
    yield raw
    await raw.stop()


def client_context(cert_path: pathlib.Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert_path))


async def test_https_verifies_the_name_while_connecting_to_the_vetted_address(
    tls_server: RawServer, peer_cert: tuple[pathlib.Path, pathlib.Path]
) -> None:
    url = f"https://peer.test:{tls_server.port}/n"
    tls_server.routes["/n"] = serve_doc({"id": url, "type": "Note"})
    backend = RecordingBackend()
    policy = FetchPolicy(allow_private=frozenset({f"peer.test:{tls_server.port}"}))
    resolver = StubResolver({"peer.test": [["127.0.0.1"]]})
    async with SafeFetcher(
        policy, resolver, ssl_context=client_context(peer_cert[0]), network_backend=backend
    ) as fetcher:
        assert (await fetcher.fetch_object(url))["id"] == url
    assert backend.connects == [("127.0.0.1", tls_server.port)]


async def test_certificate_for_another_name_is_refused(
    tls_server: RawServer, peer_cert: tuple[pathlib.Path, pathlib.Path]
) -> None:
    # other.test resolves to the same server, whose certificate only names peer.test.
    url = f"https://other.test:{tls_server.port}/n"
    tls_server.routes["/n"] = serve_doc({"id": url})
    policy = FetchPolicy(allow_private=frozenset({f"other.test:{tls_server.port}"}))
    resolver = StubResolver({"other.test": [["127.0.0.1"]]})
    async with SafeFetcher(
        policy,
        resolver,
        ssl_context=client_context(peer_cert[0]),
        network_backend=RecordingBackend(),
    ) as fetcher:
        with pytest.raises(FetchFailed) as failed:
            await fetcher.fetch_object(url)
    assert failed.value.reason == "connect"
    assert "certificate" in failed.value.detail.lower()
    assert tls_server.requests == []
