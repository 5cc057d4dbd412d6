"""Organization names become unique ignoring case (`DEMO` beside `demo` was a look-alike).

Existing look-alikes would make the constraint fail, so they are renamed first: in each group of
names equal ignoring case, the oldest organization keeps its name and every later one gets the
first free `<name>-2`, `<name>-3`, … (trimmed to 40 characters; still a valid name). A renamed
organization's pages move to the new name's URLs; its id (what the API uses), members, workspaces
and everything else are unchanged. Each rename is printed so operators can tell the owners.
"""

from django.db import migrations, models
from django.db.models.functions import Lower


def rename_look_alikes(apps, schema_editor):
    Organization = apps.get_model("workspaces", "Organization")
    taken = {name.lower() for name in Organization.objects.values_list("name", flat=True)}
    seen: set[str] = set()
    for org in Organization.objects.order_by("date_created", "id"):
        key = org.name.lower()
        if key not in seen:
            seen.add(key)
            continue
        n = 2
        while True:
            suffix = f"-{n}"
            candidate = org.name[: 40 - len(suffix)].rstrip("-_") + suffix
            if candidate.lower() not in taken:
                break
            n += 1
        print(f"\n  organization {org.id}: {org.name!r} renamed to {candidate!r} (look-alike of an older name)")
        org.name = candidate
        org.save(update_fields=["name"])
        taken.add(candidate.lower())
        seen.add(candidate.lower())


class Migration(migrations.Migration):
    dependencies = [("workspaces", "0001_initial")]

    operations = [
        migrations.RunPython(rename_look_alikes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.UniqueConstraint(
                Lower("name"),
                name="unique_org_name_ci",
                violation_error_message="An organization with this name already exists (names ignore case).",
            ),
        ),
    ]
