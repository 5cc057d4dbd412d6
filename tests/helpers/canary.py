"""The canary secret: a value shaped like an AWS secret access key (40 characters) that must never
appear in a page, an API response, the admin, a log line or a queue message."""

CANARY = "CanarySecret/DoNotLeak/0123456789abcdefgh"
