"""SavedFilter and DashboardRollup belong to the web pages (the ledger's and the dashboard's), not to the items
domain: they leave the items app's state here and enter the workbench app's in its migration 0001. State only —
the tables keep their names (`items_savedfilter`, `items_dashboardrollup`) and nothing in the database changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("items", "0008_assignment_unsigned_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SavedFilter"),
                migrations.DeleteModel(name="DashboardRollup"),
            ],
            database_operations=[],
        ),
    ]
