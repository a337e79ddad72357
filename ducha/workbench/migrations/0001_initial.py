"""The workbench's models, moved from the items app by state only (items migration 0009): the tables
`items_savedfilter` and `items_dashboardrollup`, created by items migrations 0002 and 0005, stay as they are, with
their constraints and indexes. Their content types (and so their permissions) follow them to this app."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("savedfilter", "dashboardrollup")


def content_types_to(app_label, other_label):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in MOVED:
            if not ContentType.objects.filter(app_label=app_label, model=model).exists():
                ContentType.objects.filter(app_label=other_label, model=model).update(app_label=app_label)

    return move


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("items", "0009_saved_filters_and_dashboard_rollup_to_workbench"),
        ("orgs", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SavedFilter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                        ("name", models.CharField(max_length=50, verbose_name="name")),
                        ("query", models.CharField(blank=True, max_length=2000, verbose_name="query")),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="saved_filters",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "saved filter",
                        "verbose_name_plural": "saved filters",
                        "db_table": "items_savedfilter",
                        "ordering": ["name", "id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "name"), name="savedfilter_unique_name_per_user"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="DashboardRollup",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                        ("as_of", models.DateField(verbose_name="counted for")),
                        ("built_at", models.DateTimeField(verbose_name="counted at")),
                        ("stats", models.JSONField(verbose_name="figures")),
                        (
                            "government",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="orgs.unit",
                                verbose_name="government",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "dashboard summary",
                        "verbose_name_plural": "dashboard summaries",
                        "db_table": "items_dashboardrollup",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("year", "government"), name="dashboardrollup_unique_year_government"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            content_types_to("workbench", "items"), content_types_to("items", "workbench"), elidable=False
        ),
    ]
