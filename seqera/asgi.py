import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seqera.settings")
application = get_asgi_application()

from seqera.startup import check_or_stop  # noqa: E402  (after setup: the checks need the apps)

check_or_stop()
