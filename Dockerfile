# The image for those who deploy with containers: one image, the Procfile's three process types
# (web, worker, scheduler), the command choosing which; compose.yaml runs them with PostgreSQL
# and Redis. There is no container runtime on the machines this project is built on, so the image
# is linted (hadolint, in `make lint`) and checked against the Procfile (tests/ops/test_container.py)
# but not built here: the Procfile shape (`make prod`) is the one the tests start and prove.
#
# Settings come from the environment (README, "Production"): SECRET_KEY, CREDENTIALS_KEYS,
# DATABASE_URL, DRAMATIQ_BROKER_URL, ALLOWED_HOSTS at least. Run migrations once per release:
# `docker compose run --rm migrate` (compose.yaml does it before the web starts).
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_BIND=0.0.0.0 \
    PORT=8000 \
    LOG_FORMAT=json \
    PROMETHEUS_MULTIPROC_DIR=/var/lib/seqera/metrics \
    dramatiq_prom_db=/var/lib/seqera/metrics

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# Static files are collected at build time (whitenoise serves them); the keys given here exist only
# for this command and are not kept in the image.
RUN SECRET_KEY=build-only-not-a-secret CREDENTIALS_KEYS=build:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
        python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin seqera \
    && mkdir -p /var/lib/seqera/metrics \
    && chown seqera /var/lib/seqera/metrics

USER 10001
EXPOSE 8000
# Liveness of the web process (the worker and scheduler services of compose.yaml turn it off).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('PORT', '8000'), timeout=4)"]
CMD ["gunicorn", "seqera.wsgi", "--config", "python:seqera.gunicorn_conf"]
