"""Encryption at rest (DESIGN rule 8): round trip, key ring order, row binding, failing fast."""

import pytest
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import CredentialsFactory, WorkspaceFactory
from workspaces import checks, crypto

KEY_IDS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8),
    min_size=1,
    max_size=4,
    unique=True,
)
AAD = crypto.associated_data(workspace_id=7, row_id="abc", field="secretKey")


def ring_of(entries: list[str]) -> crypto.KeyRing:
    return crypto.parse_key_ring(",".join(entries))


@given(plaintext=st.text(), key_ids=KEY_IDS, data=st.data())
@settings(max_examples=150, deadline=None)
def test_round_trip_for_any_text_and_any_key_ring_order(plaintext, key_ids, data):
    entries = [crypto.generate_key_entry(kid) for kid in key_ids]
    token = crypto.encrypt(plaintext, aad=AAD, ring=ring_of(entries))

    assert crypto.key_id_of(token) == key_ids[0]
    reordered = data.draw(st.permutations(entries))
    assert crypto.decrypt(token, aad=AAD, ring=ring_of(reordered)) == plaintext

    new_entry = crypto.generate_key_entry("rotated0")
    rotated = crypto.reencrypt(token, aad=AAD, ring=ring_of([new_entry, *reordered]))
    assert crypto.key_id_of(rotated) == "rotated0"
    assert crypto.decrypt(rotated, aad=AAD, ring=ring_of([new_entry])) == plaintext


def test_the_stored_value_names_its_key_and_hides_the_plaintext():
    ring = ring_of([crypto.generate_key_entry("k1")])
    token = crypto.encrypt("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", aad=AAD, ring=ring)
    assert token.startswith("v1:k1:")
    assert "wJalrXUtnFEMI" not in token
    assert crypto.encrypt("same", aad=AAD, ring=ring) != crypto.encrypt("same", aad=AAD, ring=ring)  # fresh nonce


def test_reencrypt_leaves_a_value_under_the_current_key_unchanged():
    ring = ring_of([crypto.generate_key_entry("k1")])
    token = crypto.encrypt("secret", aad=AAD, ring=ring)
    assert crypto.reencrypt(token, aad=AAD, ring=ring) == token


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.replace("v1:", "v9:", 1),
        lambda t: t[:-4] + ("AAAA" if t[-4:] != "AAAA" else "BBBB"),
        lambda t: "not-a-ciphertext",
        lambda t: t.replace(":k1:", ":gone:", 1),
    ],
    ids=["version", "tampered", "garbage", "unknown-key"],
)
def test_a_damaged_value_raises_decryption_error(mangle):
    ring = ring_of([crypto.generate_key_entry("k1")])
    token = crypto.encrypt("secret", aad=AAD, ring=ring)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(mangle(token), aad=AAD, ring=ring)


@pytest.mark.django_db
def test_a_ciphertext_copied_to_another_row_fails_to_decrypt():
    source = CredentialsFactory(secret="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    same_workspace = CredentialsFactory(workspace=source.workspace)
    other_tenant = CredentialsFactory(workspace=WorkspaceFactory())
    assert source.get_secret() == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    for target in (same_workspace, other_tenant):
        target.secret_encrypted = source.secret_encrypted
        target.save()
        target.refresh_from_db()
        with pytest.raises(crypto.DecryptionError):
            target.get_secret()


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("", "empty"),
        ("   ,  ", "empty"),
        ("k1:" + "A" * 20, "bytes"),  # 15 bytes: too short for AES-256
        ("k1:" + "A" * 60, "bytes"),  # too long
        ("k1:***not base64***", "base64"),
        ("just-a-key-without-id", "key id"),
        ("bad-id!:" + "A" * 43, "key id"),
        ("k1:" + "A" * 43 + ",k1:" + "B" * 43, "twice"),
    ],
)
def test_a_missing_short_or_malformed_key_ring_fails_fast(spec, complaint):
    with pytest.raises(ImproperlyConfigured, match=complaint):
        crypto.parse_key_ring(spec)


@pytest.mark.parametrize("spec", ["", "k1:short", "k1"])
def test_system_check_reports_a_broken_key_ring(settings, spec):
    settings.CREDENTIALS_KEYS = spec
    errors = checks.credentials_key_ring(None)
    assert [e.id for e in errors] == ["workspaces.E001"]
    assert all(isinstance(e, Error) for e in errors)
    assert "CREDENTIALS_KEYS" in errors[0].msg


def test_system_check_accepts_a_good_key_ring(settings):
    settings.CREDENTIALS_KEYS = f"{crypto.generate_key_entry('new')},{crypto.generate_key_entry('old')}"
    assert checks.credentials_key_ring(None) == []
