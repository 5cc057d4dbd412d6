from django.apps import AppConfig


class TraceConfig(AppConfig):
    """Nextflow's trace API (pipelines/trace): tasks, progress and per-run tokens, kept in their
    own app so their migrations never interleave with the pipelines app's."""

    name = "pipelines.trace"
    label = "trace"
    verbose_name = "Run progress (Nextflow trace)"

    def ready(self):
        from pipelines import launch
        from pipelines.trace import tokens

        if tokens.head_environment not in launch.EXTRA_ENVIRONMENT:
            launch.EXTRA_ENVIRONMENT.append(tokens.head_environment)
