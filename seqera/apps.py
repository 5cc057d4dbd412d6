from django.apps import AppConfig


class SeqeraConfig(AppConfig):
    """The base layer as an app: it owns the durable work items (`seqera.work`) and schedules
    their dispatcher (importing `seqera.work` declares the actor and registers its schedule)."""

    name = "seqera"
    verbose_name = "Background work"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.backends.signals import connection_created

        from seqera import pgtime

        connection_created.connect(pgtime.install, dispatch_uid="seqera.pgtime")
        from seqera import work  # noqa: F401  (declares the dispatcher actor and its schedule)
