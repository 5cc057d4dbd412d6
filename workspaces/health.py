"""Readiness check of the credentials key ring (listed in HEALTH_CHECKS, run by `seqera.health`)."""

from workspaces import crypto


def check_key_ring() -> None:
    """The ring parses and every key in it encrypts and decrypts a probe value: stored
    credentials can be opened and new ones sealed."""
    ring = crypto.key_ring()
    aad = crypto.associated_data(workspace_id=0, row_id="health", field="probe")
    for key_id, _ in ring.keys:
        single = crypto.KeyRing(tuple(entry for entry in ring.keys if entry[0] == key_id))
        if crypto.decrypt(crypto.encrypt("probe", aad=aad, ring=single), aad=aad, ring=ring) != "probe":
            raise RuntimeError("the key ring does not round-trip")
