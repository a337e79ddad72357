from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """The development layer, on top of every other app: the demo county (`ducha demo`, each app contributing its
    part), the benchmark province (`ducha gendata`) and the benchmark (`ducha bench`). Nothing imports it but its
    commands and the tests. It has no models and shows nowhere in the product, hence no verbose name to
    translate."""

    name = "ducha.devtools"
    label = "devtools"
