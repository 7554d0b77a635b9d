from django.db import migrations
from django.db.models import F


def mark_repriced_and_link_corrections(apps, schema_editor):
    """Releases imported before recompute runs existed were re-priced as they were imported."""
    Release = apps.get_model("codes", "Release")
    Release.objects.filter(repriced_at__isnull=True).update(repriced_at=F("imported_at"))
    for correction in Release.objects.filter(is_correction=True, replaces__isnull=True):
        correction.replaces = Release.objects.filter(
            year=correction.year, quarter=correction.quarter, is_correction=False
        ).first()
        correction.save(update_fields=["replaces"])


class Migration(migrations.Migration):
    dependencies = [("codes", "0003_release_replaces_and_repriced_at")]

    operations = [migrations.RunPython(mark_repriced_and_link_corrections, migrations.RunPython.noop)]
