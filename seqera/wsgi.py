import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seqera.settings")
application = get_wsgi_application()

from seqera.startup import check_or_stop  # noqa: E402  (after setup: the checks need the apps)

check_or_stop()  # a malformed key ring stops gunicorn here, not at the first credentials request

# What the process loaded to start (modules, settings, URL patterns, models: most of its objects)
# lives as long as it does: frozen, the cyclic collector's full passes stop walking it again and
# again (one every ~70,000 allocations; a page of 100 runs makes more), which was the slow tail of
# the big answers.
gc.collect()
gc.freeze()
