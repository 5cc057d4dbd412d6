"""The address of the client behind the installation's own proxies.

`client_ip(request)` guarantees: with `TRUSTED_PROXY_COUNT = 0` (the default) it is `REMOTE_ADDR`
and `X-Forwarded-For` is ignored, so a client cannot choose the address it is counted under;
with `n > 0` trusted proxies in front of the application, it is the address the outermost
trusted proxy saw (the n-th entry from the right of `X-Forwarded-For`, the entries to its left
being whatever the client sent). When the header has fewer entries than that, or the entry is not
an IP address, the request did not come through the configured proxies and `REMOTE_ADDR` is used.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
