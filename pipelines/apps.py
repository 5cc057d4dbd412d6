from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "pipelines"
    verbose_name = "Pipelines and runs"

    def ready(self):
        from computeenvs import services as ce_services
        from pipelines import services
        from pipelines.models import Launch, Pipeline, PipelineSecret, Run
        from workspaces import audit

        if services.compute_env_delete_blockers not in ce_services.DELETE_GUARDS:
            ce_services.DELETE_GUARDS.append(services.compute_env_delete_blockers)
        audit.register(Pipeline, m2m=["labels"], ignore=["workspace_secrets"])  # names, not values
        audit.register(PipelineSecret, secret=["value_encrypted"])
        audit.register(Launch, ignore=["workspace_secrets"])
        audit.register(
            Run,
            m2m=["labels"],
            ignore=[
                "batch_status_since",
                "last_heartbeat",
                "stats",
                "config_text",
                "params",
                "log_stream",
                "aws_secrets",
            ],
        )
