from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0003_reminders_as_a_log"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="task_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="queued task"),
        ),
    ]
