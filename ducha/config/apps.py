from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig


class ConfigConfig(AppConfig):
    """The deployment wiring: settings, URLs, WSGI, and the embedded scheduler (`ducha scheduler`), which drives
    the periodic jobs of several apps. An app only so that its command is found; it has no models."""

    name = "ducha.config"
    label = "config"


class StaticFilesConfig(DjangoStaticFilesConfig):
    """`collectstatic` leaves out what the pages never load of ECharts' npm `dist/` (settings.STATICFILES_DIRS
    serves it under vendor/echarts): its unminified, ESM and partial builds, source maps and extensions — 49 MB
    that WhiteNoise would otherwise hash and compress with Brotli on every deploy (about five minutes). The page
    loads `echarts.min.js` only (workbench/views/dashboard.py)."""

    ignore_patterns = [
        *DjangoStaticFilesConfig.ignore_patterns,
        "echarts.js",
        "echarts.common*",
        "echarts.esm*",
        "echarts.simple*",
        "echarts*.map",
        "extension",
        "package.json",
    ]
