import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def new_public_id(length: int = 22) -> str:
    """A random base62 id like Seqera's (credentials and compute environments use 22 chars)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
