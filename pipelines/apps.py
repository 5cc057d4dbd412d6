from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "pipelines"
    verbose_name = "Pipelines and runs"

    def ready(self):
        from computeenvs import services as ce_services
        from pipelines import services
        from pipelines.models import Launch, Pipeline, PipelineSecret, Run
        from workspaces import audit, crypto
        from workspaces.sections import WorkspaceSection, register

        if services.compute_env_delete_blockers not in ce_services.DELETE_GUARDS:
            ce_services.DELETE_GUARDS.append(services.compute_env_delete_blockers)
        audit.register(Pipeline, m2m=["labels"], ignore=["workspace_secrets"])  # names, not values
        audit.register(PipelineSecret, secret=["value_encrypted"])
        crypto.register_encrypted("pipelines.PipelineSecret", "value_encrypted", noun="pipeline secret")
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
        for key, title, url_name, text, model, order in (
            ("runs", "Runs", "pipelines:run_list", "Pipeline runs, their status and logs.", Run, 2),
            ("pipelines", "Pipelines", "pipelines:list", "Saved pipelines, ready to launch.", Pipeline, 5),
            ("secrets", "Secrets", "pipelines:secret_list", "Pipeline secrets handed to runs.", PipelineSecret, 25),
        ):
            register(
                WorkspaceSection(
                    key=key,
                    title=title,
                    url_name=url_name,
                    text=text,
                    count=lambda ws, model=model: model.objects.in_workspace(ws).count(),
                    order=order,
                )
            )
