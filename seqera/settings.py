"""Settings, all read from the environment (django-environ).

Two shapes share this file:

* development (``DEBUG=true``): the development start (``manage.py devstart``) writes a
  git-ignored ``.env`` with a generated ``SECRET_KEY`` and credentials key ring; SQLite, an
  in-process Dramatiq broker and the local AWS sandbox are the defaults.
* production (``DEBUG`` unset or false): ``SECRET_KEY`` and ``CREDENTIALS_KEYS`` must be set, or
  the start stops with a message naming what to set. ``DATABASE_URL`` selects PostgreSQL and
  ``DRAMATIQ_BROKER_URL`` a Redis or RabbitMQ broker.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _required(name: str, how: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. {how} (For a local start use `make run`, which generates a development .env.)"
        )
    return value


SECRET_KEY = _required(
    "SECRET_KEY",
    'Set it to a long random string, e.g. python -c "import secrets; print(secrets.token_urlsafe(50))".',
)

# Key ring for AWS secrets at rest: comma-separated "<key id>:<urlsafe base64 of 32 bytes>".
# The first key encrypts; every key decrypts. `manage.py rotate_credentials_key` re-encrypts.
CREDENTIALS_KEYS = _required(
    "CREDENTIALS_KEYS",
    "Set it to '<key id>:<base64 32-byte key>' (generate one with `manage.py generate_credentials_key`).",
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "axes",
    "django_dramatiq",
    "dramatiq_crontab",
    "django_prometheus",
    "seqera",
    "workspaces",
    "computeenvs",
    "pipelines",
    "pipelines.trace",
]

MIDDLEWARE = [
    # Health probes and /metrics answer whatever the Host header (load balancers probe by address);
    # every other path keeps ALLOWED_HOSTS (seqera.health.ProbeMiddleware).
    "seqera.health.ProbeMiddleware",
    # First and last: request counts and latency per view (django-prometheus), and one log line
    # per request with its id (seqera.middleware.RequestIdMiddleware).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "seqera.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "seqera.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who and from where, for the audit trail's records (user read lazily: API tokens count too).
    "workspaces.audit.AuditContextMiddleware",
    "seqera.middleware.AbsoluteSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # axes must be last: it turns lockouts raised by the authentication backend into responses.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "seqera.urls"
WSGI_APPLICATION = "seqera.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workspaces.context_processors.workspace_nav",
            ],
        },
    },
]
FORM_RENDERER = "seqera.renderers.FormRenderer"  # Django's, with the select widget rendered in Python

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: the in-process worker and the web server share the file; wait instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Every transaction takes the write lock at BEGIN: two transactions that both read and then
    # write would otherwise fail at once with "database is locked" (SQLite cannot wait there).
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_PREPARED", default=True):
    # Parameters travel apart from the SQL and a statement run 5 times on a connection is kept
    # prepared by the server (psycopg's automatic preparation), so the planner does not plan the
    # same page's queries on every request (planning was up to 1 ms of a 0.5 ms query). Needs a
    # session per connection: set DATABASE_PREPARED=false behind a transaction-pooling pgbouncer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed sign-ins (pages and the admin alike: both authenticate through the axes backend) lock
# a user name, and a user name from one address, before the password hash is computed (axes
# checks the lockout in its backend, which runs first). Never an address alone: behind a proxy
# many users share one, and ten bad guesses must not lock them all out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
# Proxies in front of the application that append the client's address to X-Forwarded-For
# (0: none, the header is ignored and REMOTE_ADDR is the client). See seqera/clientip.py.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "seqera.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Sessions: 30 minutes idle (refreshed on every request), 12 hours absolute.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False  # activity is written at most once a minute (seqera.middleware)
SESSION_TOUCH_SECONDS = env.int("SESSION_TOUCH_SECONDS", default=60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 3600)
# Database sessions that retry once on a fresh connection when the server dropped it (instead
# of Django's misleading "the request's session was deleted"); see seqera/errors.py.
SESSION_ENGINE = "seqera.errors"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="seqera@localhost")

# Request bodies (forms, and the API through seqera.drf.BoundedJSONParser): the largest valid
# compute-environment document is about 1 MB (100 environment variables of 8 KB).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

# --- Security headers (checked by `manage.py check --deploy`) ---
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Probes and scrapers talk plain HTTP to the process itself, not through the TLS proxy.
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "workspaces.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "workspaces.tenancy.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["seqera.drf.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["seqera.drf.BoundedJSONParser"],
    "DEFAULT_METADATA_CLASS": "seqera.drf.RoutePermissionMetadata",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Seqera compute environments API",
    "DESCRIPTION": "Seqera-Platform-compatible API for workspaces, credentials, labels and AWS Batch compute environments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "GET_LIB_DOC_EXCLUDES": "workspaces.tenancy.lib_doc_excludes",
    # Enum components named as in the Seqera API.
    "ENUM_NAME_OVERRIDES": {
        "OrgRole": "workspaces.permissions.OrgRole",
        "WspRole": "workspaces.permissions.WorkspaceRole",
        "ParticipantType": "workspaces.models.Participant.Type",
        "Visibility": "workspaces.models.Workspace.Visibility",
        "CredentialsStatus": "workspaces.models.Credentials.Status",
        "AwsCredentialsMode": ["keys", "role"],
        "ComputeEnvStatus": "computeenvs.api.serializers.STATUSES",
        "TaskStatus": "pipelines.trace.serializers.TASK_STATUSES",
        "WorkflowStatus": "pipelines.models.RunStatus",
    },
}

# --- Background work (Dramatiq) ---
# django_dramatiq's own default names a middleware Dramatiq 2 removed, so it is always set here.
DRAMATIQ_BROKER_URL = env.str("DRAMATIQ_BROKER_URL", default="")
_DRAMATIQ_MIDDLEWARE = [
    "dramatiq.middleware.AgeLimit",
    "dramatiq.middleware.TimeLimit",
    "dramatiq.middleware.Callbacks",
    "dramatiq.middleware.Retries",
    "dramatiq.middleware.CurrentMessage",
    "django_dramatiq.middleware.DbConnectionsMiddleware",
    # The web request's id travels with the messages it enqueues into the worker's log lines.
    "seqera.dramatiq_middleware.RequestContext",
    # A SIGTERM sent to the whole process group (honcho, systemd) stops a worker gracefully once.
    "seqera.dramatiq_middleware.GracefulStop",
]
if env.str("PROMETHEUS_MULTIPROC_DIR", default=""):
    # Production shape: per-actor message counts, durations, retries and failures, written to the
    # multiprocess directory that the web's /metrics reads (seqera.metrics).
    _DRAMATIQ_MIDDLEWARE.append("seqera.dramatiq_middleware.Prometheus")
if DRAMATIQ_BROKER_URL.startswith(("redis://", "rediss://")):
    # A worker that dies (SIGKILL, OOM, lost host) leaves its unacknowledged messages behind; Redis
    # hands them back once its heartbeat is `heartbeat_timeout` old, during "maintenance", which
    # runs on `maintenance_chance` per million broker commands. Dramatiq's defaults (60 s and
    # 1,000) took about 3 minutes; these bring it under a minute (a live worker's delay-queue
    # consumer talks to Redis about every second, so 15 s never mistakes a busy worker for dead).
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.redis.RedisBroker",
        "OPTIONS": {
            "url": DRAMATIQ_BROKER_URL,
            "namespace": env.str("DRAMATIQ_NAMESPACE", default="seqera"),
            "heartbeat_timeout": env.int("DRAMATIQ_HEARTBEAT_TIMEOUT_MS", default=15_000),
            "maintenance_chance": env.int("DRAMATIQ_MAINTENANCE_CHANCE", default=50_000),
        },
        "MIDDLEWARE": _DRAMATIQ_MIDDLEWARE,
    }
elif DRAMATIQ_BROKER_URL.startswith(("amqp://", "amqps://")):
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.rabbitmq.RabbitmqBroker",
        "OPTIONS": {"url": DRAMATIQ_BROKER_URL, "confirm_delivery": True},
        "MIDDLEWARE": _DRAMATIQ_MIDDLEWARE,
    }
elif DRAMATIQ_BROKER_URL:
    raise ImproperlyConfigured(
        f"DRAMATIQ_BROKER_URL must start with redis:// or amqp:// (got {DRAMATIQ_BROKER_URL.split(':')[0]}://)."
    )
else:
    # In-process broker: only a worker thread inside the same process (devstart, tests) consumes it.
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.stub.StubBroker",
        "OPTIONS": {},
        "MIDDLEWARE": _DRAMATIQ_MIDDLEWARE,
    }
DRAMATIQ_AUTODISCOVER_MODULES = ["actors"]

# Durable work (seqera.work): the dispatcher runs every WORK_DISPATCH_SECONDS (scheduled by
# `manage.py crontab`; devstart runs it in-process), re-sends work whose message was not taken
# within WORK_RESEND_AFTER_SECONDS, and forgets finished rows after WORK_KEEP_FINISHED_DAYS.
# dramatiq-crontab's Redis lock is left off on purpose: a Redis restart would make the scheduler
# shut itself down (its lock vanished), while a second scheduler is harmless (a dispatch is
# idempotent: duplicate messages are refused by the work item's lease).
# A worker holds a work item under a lease of WORK_LEASE_SECONDS, renewed in the background
# while the actor runs, so a killed worker's work is taken over within about that time.
WORK_DISPATCH_SECONDS = env.int("WORK_DISPATCH_SECONDS", default=15)
WORK_LEASE_SECONDS = env.int("WORK_LEASE_SECONDS", default=30)
WORK_RESEND_AFTER_SECONDS = env.int("WORK_RESEND_AFTER_SECONDS", default=60)
WORK_KEEP_FINISHED_DAYS = env.int("WORK_KEEP_FINISHED_DAYS", default=7)

# --- AWS ---
# Set only for the local sandbox and tests (moto); never user-settable.
AWS_ENDPOINT_URL = env.str("AWS_ENDPOINT_URL", default="") or None
AWS_CONNECT_TIMEOUT = env.int("AWS_CONNECT_TIMEOUT", default=5)
AWS_READ_TIMEOUT = env.int("AWS_READ_TIMEOUT", default=30)
AWS_MAX_ATTEMPTS = env.int("AWS_MAX_ATTEMPTS", default=5)
# Credentials with only an IAM role ARN assume it with the service's own AWS identity (instance
# profile, environment): off unless the installation means to lend that identity to its tenants.
ALLOW_INSTANCE_CREDENTIALS = env.bool("ALLOW_INSTANCE_CREDENTIALS", default=False)
FORGE_PREFIX = env.str("FORGE_PREFIX", default="TowerForge")
# Batch Forge timing: longest poll interval, longest wait for one resource, the IAM propagation
# window (only IAM-flavoured errors are retried within it) and the pause between those retries.
FORGE_POLL_SECONDS = env.float("FORGE_POLL_SECONDS", default=5.0)
FORGE_WAIT_SECONDS = env.float("FORGE_WAIT_SECONDS", default=1800.0)
FORGE_IAM_WINDOW_SECONDS = env.float("FORGE_IAM_WINDOW_SECONDS", default=120.0)
FORGE_IAM_RETRY_SECONDS = env.float("FORGE_IAM_RETRY_SECONDS", default=5.0)
FORGE_JOB_QUEUE_QUOTA = env.int("FORGE_JOB_QUEUE_QUOTA", default=50)  # AWS Batch job queues per account and region

# --- Pipelines and runs ---
# The image of the Nextflow head job (Seqera's nf-launcher); its job definition is registered once
# per distinct content and reused. The monitor reads DescribeJobs every RUN_MONITOR_SECONDS; a head
# job RUNNABLE longer than RUN_RUNNABLE_WARNING_SECONDS gets a warning with the likely cause.
LAUNCHER_IMAGE = env.str("LAUNCHER_IMAGE", default="quay.io/seqeralabs/nf-launcher:j17-24.10.2")
RUN_MONITOR_SECONDS = env.int("RUN_MONITOR_SECONDS", default=5 if DEBUG else 15)
RUN_RUNNABLE_WARNING_SECONDS = env.int("RUN_RUNNABLE_WARNING_SECONDS", default=600)

# --- Nextflow trace API (pipelines/trace) ---
# The API root head jobs report to (TOWER_API_ENDPOINT, e.g. https://seqera.example.org/api);
# devstart sets it to its own address. A running run silent this long becomes UNKNOWN (domain.md §4.3).
TOWER_API_ENDPOINT = env.str("TOWER_API_ENDPOINT", default="")
TRACE_HEARTBEAT_TIMEOUT_SECONDS = env.int("TRACE_HEARTBEAT_TIMEOUT_SECONDS", default=190)

# --- Operations: health, metrics, logs ---
# Readiness (/health/ready): each check by name; the scheduler ticks every HEALTH_TICK_SECONDS
# and is unready once its last tick is older than HEALTH_TICK_MAX_AGE_SECONDS.
HEALTH_CHECKS = {
    "database": "seqera.health.check_database",
    "broker": "seqera.health.check_broker",
    "key_ring": "workspaces.health.check_key_ring",
    "scheduler": "seqera.health.check_scheduler",
}
HEALTH_TIMEOUT_SECONDS = env.float("HEALTH_TIMEOUT_SECONDS", default=2.0)
HEALTH_TICK_SECONDS = env.int("HEALTH_TICK_SECONDS", default=10)
HEALTH_TICK_MAX_AGE_SECONDS = env.int("HEALTH_TICK_MAX_AGE_SECONDS", default=60)
# /metrics (Prometheus) is served to these peer addresses or networks, or to a bearer of this
# token; to nobody when both are empty.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_COLLECTORS = [
    "seqera.metrics.WorkCollector",
    "computeenvs.metrics.ComputeEnvCollector",
    "pipelines.metrics.RunCollector",
]
PROMETHEUS_EXPORT_MIGRATIONS = False
# LOG_FORMAT=json: one JSON object per line (seqera.logging.JsonFormatter); "text" otherwise.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json (got {LOG_FORMAT!r}).")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "seqera.logging.RedactSecretsFilter"},
        "request_context": {"()": "seqera.logging.RequestContextFilter"},
    },
    "formatters": {
        "text": {"format": "%(message)s"},  # as before: the message only
        "json": {"()": "seqera.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_secrets", "request_context"],
            "formatter": LOG_FORMAT,
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "botocore": {"level": "WARNING"},
        "boto3": {"level": "WARNING"},
        "werkzeug": {"level": "ERROR"},
        # One INFO line per job run (the dispatcher every few seconds, the health tick) is noise.
        "apscheduler": {"level": "WARNING"},
    },
}
