"""The record of each ledger import's upload that was imported (ImportedUpload), written in the same transaction
as its items so that the upload is imported exactly once (ducha.workbench.ledger_import)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0001_jobs'),
        ('workbench', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ImportedUpload',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(max_length=32, verbose_name='upload')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256 of the file')),
                ('items', models.PositiveIntegerField(verbose_name='items created')),
                ('imported_at', models.DateTimeField(verbose_name='imported at')),
                ('job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='jobs.job', verbose_name='imported by the job')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='imported by')),
            ],
            options={
                'verbose_name': 'imported upload',
                'verbose_name_plural': 'imported uploads',
                'constraints': [models.UniqueConstraint(fields=('owner', 'token'), name='importedupload_unique_owner_token')],
            },
        ),
    ]
