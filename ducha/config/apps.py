from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The deployment wiring: settings, URLs, WSGI, and the embedded scheduler (`ducha scheduler`), which drives
    the periodic jobs of several apps. An app only so that its command is found; it has no models."""

    name = "ducha.config"
    label = "config"
