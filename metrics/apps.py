from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """Flow metrics of a train: predictability, throughput, flow time, WIP, dependency age, forecasts."""

    name = "metrics"
    verbose_name = "Flow metrics"

    def ready(self) -> None:
        # The metrics snapshot that opens an ART Sync, and the figures on the train's home
        # (artops.extensions: lower apps ask these points, they never import metrics).
        from artops import extensions
        from metrics.views import panels

        extensions.register(extensions.SYNC_METRICS_SNAPSHOT, panels.sync_snapshot)
        extensions.register(extensions.ART_HOME_PANELS, panels.home_panel)
