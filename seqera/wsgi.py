import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seqera.settings")
application = get_wsgi_application()

from seqera.startup import check_or_stop  # noqa: E402  (after setup: the checks need the apps)

check_or_stop()  # a malformed key ring stops gunicorn here, not at the first credentials request
