import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.config.settings")
application = get_wsgi_application()

# A worker's first request would otherwise import the URLconf and the API's schemas (seconds): do it now, before
# the worker accepts one (ducha/config/warmup.py).
from ducha.config.warmup import warm_up  # noqa: E402 - needs the application's settings

warm_up()
