"""ducha.config.settings, plus the probe's URL configuration, router and middleware (deploy/scaleout only)."""

from ducha.config.settings import *  # noqa: F403
from ducha.config.settings import MIDDLEWARE

ROOT_URLCONF = "scaleout_probe.urls"
DATABASE_ROUTERS = ["scaleout_probe.reads.CountingReplicaRouter"]
MIDDLEWARE = ["scaleout_probe.reads.ReadCountMiddleware", *MIDDLEWARE]

# collectstatic under WhiteNoise compresses every file twice over (gzip and brotli, original and hashed names): ten
# minutes on two busy cores, for nothing the scale-out run measures. Here the same manifest (hashed names), without
# the compressed copies; WhiteNoise serves the files as they are.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
