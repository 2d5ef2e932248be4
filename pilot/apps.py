from django.apps import AppConfig


class PilotConfig(AppConfig):
    name = "pilot"
    verbose_name = "Pilot rollout"

    def ready(self):
        from . import receivers  # noqa: F401
