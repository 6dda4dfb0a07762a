"""The trust's signing key: Ed25519 signatures over a published pack's manifest.

The key is a PKCS#8 PEM file whose path comes from the configuration (``signing_key`` in the
configuration file, or ``$TRUSTBOARD_SIGNING_KEY``; see :mod:`trustboard.services.settings`),
never from the project or the published folder.  :func:`create_key` writes a new one readable
by its owner only (mode 0600).  A signature is stored beside the manifest as
``manifest.sig``: a small JSON document naming the algorithm, the key's fingerprint (SHA-256
of the raw public key) and the base64 signature of the manifest's exact bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from trustboard.errors import ConfigError, ConflictError, ErrorCode
from trustboard.services.settings import load_settings

__all__ = [
    "SIGNATURE_NAME",
    "SignatureCheck",
    "SignatureStatus",
    "check_signature",
    "create_key",
    "key_fingerprint",
    "sign_manifest",
]

SIGNATURE_NAME = "manifest.sig"
_ALGORITHM = "ed25519"


class SignatureStatus(StrEnum):
    """What the signature check found."""

    VALID = "valid"
    INVALID = "invalid"
    UNSIGNED = "unsigned"
    NO_KEY = "no key"


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The outcome of checking a manifest's signature, in words for the user."""

    status: SignatureStatus
    detail: str


def create_key(path: str | Path) -> str:
    """Write a new Ed25519 private key to ``path`` (mode 0600); returns its fingerprint.

    Refuses (``TB-KEY``) to replace an existing file: a key that signed packs must be kept.
    """
    target = Path(path).expanduser()
    if target.exists():
        raise ConflictError(
            f"'{target}' already exists; a signing key is never replaced",
            code=ErrorCode.KEY,
            hint="choose another path, or keep using the existing key",
        )
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: never follow or replace a file that appeared since the check above
        handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(pem)
    except OSError as bad:
        raise ConfigError(
            f"cannot write the signing key '{target}': {bad.strerror}", code=ErrorCode.KEY
        ) from None
    return key_fingerprint(key.public_key())


def key_fingerprint(public_key: ed25519.Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, in hex."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def _load_key(path: Path) -> ed25519.Ed25519PrivateKey:
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as bad:
        raise ConfigError(
            f"cannot read the signing key '{path}': {bad.strerror}",
            code=ErrorCode.KEY,
            hint="create one with trustboard keys init, or correct signing_key",
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"the signing key '{path}' can be read by others (mode {stat.S_IMODE(mode):o})",
            code=ErrorCode.KEY,
            hint=f"chmod 600 '{path}'",
        )
    try:
        key: object = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ConfigError(
            f"'{path}' is not an unencrypted Ed25519 private key (PKCS#8 PEM)",
            code=ErrorCode.KEY,
        )
    return key


def _configured_key(key_path: Path | None) -> ed25519.Ed25519PrivateKey | None:
    path = key_path if key_path is not None else load_settings().signing_key
    return None if path is None else _load_key(path)


def sign_manifest(manifest: bytes, *, key_path: Path | None = None) -> bytes | None:
    """The ``manifest.sig`` document for ``manifest`` (``None`` when no key is configured)."""
    key = _configured_key(key_path)
    if key is None:
        return None
    document = {
        "algorithm": _ALGORITHM,
        "key_sha256": key_fingerprint(key.public_key()),
        "signature": base64.b64encode(key.sign(manifest)).decode("ascii"),
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def check_signature(
    manifest: bytes, signature: bytes | None, *, key_path: Path | None = None
) -> SignatureCheck:
    """Check ``signature`` (the ``manifest.sig`` bytes, ``None`` when absent) over ``manifest``."""
    if signature is None:
        return SignatureCheck(SignatureStatus.UNSIGNED, "the manifest is unsigned")
    key = _configured_key(key_path)
    if key is None:
        return SignatureCheck(
            SignatureStatus.NO_KEY,
            "the manifest is signed but no signing key is configured, so the signature "
            "was not checked",
        )
    try:
        document = json.loads(signature.decode("utf-8"))
        raw = base64.b64decode(document["signature"], validate=True)
        algorithm = document["algorithm"]
        fingerprint = document["key_sha256"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return SignatureCheck(SignatureStatus.INVALID, f"{SIGNATURE_NAME} is malformed")
    if algorithm != _ALGORITHM:
        return SignatureCheck(
            SignatureStatus.INVALID, f"{SIGNATURE_NAME} names an unknown algorithm"
        )
    public = key.public_key()
    ours = key_fingerprint(public)
    if fingerprint != ours:
        return SignatureCheck(
            SignatureStatus.INVALID,
            f"the manifest was signed by another key (sha256 {str(fingerprint)[:16]}…, "
            f"configured key {ours[:16]}…)",
        )
    try:
        public.verify(raw, manifest)
    except InvalidSignature:
        return SignatureCheck(
            SignatureStatus.INVALID,
            "the manifest's signature does not match its contents (the manifest was changed "
            "after it was signed)",
        )
    return SignatureCheck(SignatureStatus.VALID, f"the manifest is signed by key {ours[:16]}…")
