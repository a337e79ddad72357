"""What a fresh process would otherwise do during its first request, done when it starts (issue 19: the dashboard's
first request in a fresh process took 2.9 s, then 12–16 ms).

Profiled on the benchmark database, nearly all of that first request was Django importing the URLconf on first
use: every view module and the API's routers, whose pydantic schemas (some 2,000 models) take about two seconds to
build; then indexing it for `reverse()` (every pattern's regular expression compiled: a fifth of a second). Then,
much smaller: the hash of the code that keys the cached fragments (`fragments.code_version`, 30 ms),
the static finder's look-up of the chart library, and compiling the templates of the pages people open first.
`warm_up()` does all of it; the WSGI module calls it when a worker loads the application, before the worker
accepts a request (gunicorn loads it in each worker, or once in the master with --preload). It opens no database
connection: a connection made before a fork would be shared by the workers.
"""

from __future__ import annotations

import logging
import time

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import URLResolver, get_resolver

logger = logging.getLogger("ducha.config")

# The pages opened first after signing in, and the pieces they include.
TEMPLATES = (
    "base.html",
    "dashboard/index.html",
    "dashboard/partials/kpis.html",
    "dashboard/partials/panels.html",
    "ledger/ledger.html",
    "items/home.html",
    "items/detail.html",
    "registration/login.html",
)


def _reverse_ready(resolver: URLResolver) -> None:
    """The resolver's reverse index, and each namespace's (built on the first `reverse()` into it): every
    pattern's regular expression compiled."""
    resolver.reverse_dict  # noqa: B018
    for _prefix, inner in resolver.namespace_dict.values():
        _reverse_ready(inner)


def warm_up() -> float:
    """Load what the first request would; the seconds it took."""
    from ducha.workbench.fragments import code_version
    from ducha.workbench.views.dashboard import echarts_available

    started = time.monotonic()
    _reverse_ready(get_resolver())  # imports the URLconf (every view, the API's schemas) and indexes it
    code_version()
    echarts_available()
    for name in TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            logger.warning("warm-up: no template %s", name)
    seconds = time.monotonic() - started
    logger.info("warmed up in %.2f s", seconds)
    return seconds
