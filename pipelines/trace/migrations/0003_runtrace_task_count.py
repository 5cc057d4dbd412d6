from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_tasks(apps, schema_editor):
    """Every trace's `task_count` from its run's task rows (kept from now on as tasks are added)."""
    RunTrace = apps.get_model("trace", "RunTrace")
    Task = apps.get_model("trace", "Task")
    counted = Task.objects.filter(run_id=OuterRef("run_id")).order_by().values("run_id").annotate(n=Count("*"))
    RunTrace.objects.update(task_count=Coalesce(Subquery(counted.values("n")), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("trace", "0002_run_usage_kept"),
    ]

    operations = [
        migrations.AddField(
            model_name="runtrace",
            name="task_count",
            field=models.BigIntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(count_tasks, migrations.RunPython.noop),
    ]
