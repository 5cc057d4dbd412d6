"""gunicorn settings of the production shape (``gunicorn seqera.wsgi --config python:seqera.gunicorn_conf``).

Workers: WEB_CONCURRENCY (default 2), each with WEB_THREADS threads (default 4). SIGTERM lets a
worker finish its request for up to graceful_timeout seconds before it is killed.
"""

import os

bind = f"{os.environ.get('WEB_BIND', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
# The application logs one line per request (seqera.middleware.RequestIdMiddleware), JSON with
# LOG_FORMAT=json; gunicorn's own access log would duplicate it in another format.
accesslog = None
errorlog = "-"


def child_exit(server, worker):
    """A dead worker's live gauges leave the multiprocess metrics (prometheus_client's rule)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
