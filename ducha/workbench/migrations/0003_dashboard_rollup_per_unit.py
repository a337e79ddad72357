"""The dashboard's summary also holds a government's figures filtered on each unit directly below it that is too
large to count inside a request (issue 19): a nullable unit key, one row per (year, government) without it and one
per (year, government, unit) with it. Existing rows are the whole-scope figures (unit empty) and stay valid."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0004_user_phone_sealed"),
        ("workbench", "0002_imported_upload"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="dashboardrollup",
            name="dashboardrollup_unique_year_government",
        ),
        migrations.AddField(
            model_name="dashboardrollup",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="orgs.unit",
                verbose_name="unit filter",
            ),
        ),
        migrations.AddConstraint(
            model_name="dashboardrollup",
            constraint=models.UniqueConstraint(
                condition=models.Q(("unit__isnull", True)),
                fields=("year", "government"),
                name="dashboardrollup_unique_year_government",
            ),
        ),
        migrations.AddConstraint(
            model_name="dashboardrollup",
            constraint=models.UniqueConstraint(
                condition=models.Q(("unit__isnull", False)),
                fields=("year", "government", "unit"),
                name="dashboardrollup_unique_year_government_unit",
            ),
        ),
    ]
