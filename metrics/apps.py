from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """Flow metrics of a train: predictability, throughput, flow time, WIP, dependency age, forecasts."""

    name = "metrics"
    verbose_name = "Flow metrics"

    def ready(self) -> None:
        from artops import extensions
        from metrics.ia import marks

        extensions.register(extensions.BACKLOG_FEATURES, marks.mark_improvements)
