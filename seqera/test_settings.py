"""Settings for the test suite: the real settings, with test-only keys filled in when absent.

DATABASE_URL and DRAMATIQ_BROKER_URL come from the environment (CI sets PostgreSQL and Redis).
"""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 30)
os.environ.setdefault("CREDENTIALS_KEYS", "test1:" + "A" * 43)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("AWS_MAX_ATTEMPTS", "1")
os.environ.setdefault("DRAMATIQ_NAMESPACE", "seqera-test")
os.environ.setdefault("FORGE_POLL_SECONDS", "0.01")  # the strict AWS layer counts polls, not seconds
os.environ.setdefault("FORGE_IAM_RETRY_SECONDS", "0.05")
os.environ.setdefault("FORGE_WAIT_SECONDS", "60")  # a wait that hangs in a test fails within a minute

from seqera.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405  (whitenoise warns on every request when it is missing)
