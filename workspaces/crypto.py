"""AES-256-GCM encryption of secrets at rest, with a key ring and row binding.

Stored format: ``v1:<key id>:<nonce b64>:<ciphertext+tag b64>``. The key ring comes from
``settings.CREDENTIALS_KEYS`` ("kid:base64key,kid2:base64key"): the first key encrypts, every key
decrypts. The associated data binds a value to its workspace, row and field, so a ciphertext
copied into another row (or another tenant) fails to decrypt instead of leaking.
"""

import base64
import binascii
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = "v1"


class DecryptionError(Exception):
    """The value cannot be decrypted with the key ring for this row (wrong key, row or tampering)."""


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[tuple[str, bytes], ...]

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def get(self, key_id: str) -> bytes:
        for kid, key in self.keys:
            if kid == key_id:
                return key
        raise DecryptionError(f"Key {key_id!r} is not in CREDENTIALS_KEYS")


def parse_key_ring(spec: str) -> KeyRing:
    """Parses the CREDENTIALS_KEYS setting; raises ImproperlyConfigured saying what is wrong."""
    entries = [part.strip() for part in (spec or "").split(",") if part.strip()]
    if not entries:
        raise ImproperlyConfigured("CREDENTIALS_KEYS is empty: set '<key id>:<base64 32-byte key>'.")
    keys: list[tuple[str, bytes]] = []
    for entry in entries:
        kid, sep, encoded = entry.partition(":")
        if not sep or not kid or not kid.isalnum():
            raise ImproperlyConfigured("Each CREDENTIALS_KEYS entry must be '<alphanumeric key id>:<base64 key>'.")
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"CREDENTIALS_KEYS key {kid!r} is not valid base64.") from None
        if len(key) != 32:
            raise ImproperlyConfigured(f"CREDENTIALS_KEYS key {kid!r} is {len(key)} bytes; AES-256 needs exactly 32.")
        if any(kid == existing for existing, _ in keys):
            raise ImproperlyConfigured(f"CREDENTIALS_KEYS names key {kid!r} twice.")
        keys.append((kid, key))
    return KeyRing(tuple(keys))


@lru_cache(maxsize=8)
def _ring_for(spec: str) -> KeyRing:
    return parse_key_ring(spec)


def key_ring() -> KeyRing:
    return _ring_for(settings.CREDENTIALS_KEYS)


def generate_key_entry(key_id: str) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"


def associated_data(*, workspace_id: int, row_id: str, field: str) -> bytes:
    return f"{workspace_id}:{row_id}:{field}".encode()


def encrypt(plaintext: str, *, aad: bytes, ring: KeyRing | None = None) -> str:
    ring = ring or key_ring()
    nonce = os.urandom(12)
    sealed = AESGCM(ring.get(ring.current_id)).encrypt(nonce, plaintext.encode(), aad)
    b64 = base64.urlsafe_b64encode
    return f"{VERSION}:{ring.current_id}:{b64(nonce).decode()}:{b64(sealed).decode()}"


def key_id_of(token: str) -> str:
    return _split(token)[0]


def _split(token: str) -> tuple[str, bytes, bytes]:
    try:
        version, kid, nonce, sealed = token.split(":")
        if version != VERSION:
            raise ValueError(version)
        return kid, base64.urlsafe_b64decode(nonce), base64.urlsafe_b64decode(sealed)
    except (ValueError, binascii.Error):
        raise DecryptionError("Malformed encrypted value") from None


def decrypt(token: str, *, aad: bytes, ring: KeyRing | None = None) -> str:
    ring = ring or key_ring()
    kid, nonce, sealed = _split(token)
    try:
        return AESGCM(ring.get(kid)).decrypt(nonce, sealed, aad).decode()
    except InvalidTag:
        raise DecryptionError("Encrypted value does not belong to this row or key") from None


def reencrypt(token: str, *, aad: bytes, ring: KeyRing | None = None) -> str:
    """Returns the value under the current key (unchanged if it already is)."""
    ring = ring or key_ring()
    if key_id_of(token) == ring.current_id:
        return token
    return encrypt(decrypt(token, aad=aad, ring=ring), aad=aad, ring=ring)


@dataclass(frozen=True)
class EncryptedField:
    """A model field holding tokens of this ring; its rows give their associated data by `_aad()`."""

    model: str  # "app_label.Model"
    field: str
    noun: str  # what a row is, in the rotation's messages


ENCRYPTED_FIELDS: list[EncryptedField] = []


def register_encrypted(model: str, field: str, *, noun: str) -> None:
    """Apps declare their encrypted fields (in `AppConfig.ready()`), so key rotation covers them all."""
    entry = EncryptedField(model, field, noun)
    if entry not in ENCRYPTED_FIELDS:
        ENCRYPTED_FIELDS.append(entry)
