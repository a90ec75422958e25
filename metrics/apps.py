from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """Flow metrics of a train: predictability, throughput, flow time, WIP, dependency age, forecasts."""

    name = "metrics"
    verbose_name = "Flow metrics"

    def ready(self) -> None:
        # The metrics snapshot that opens an ART Sync, the figures on the train's home, and the mark
        # of I&A improvement items in the ART backlog (artops.extensions: lower apps ask these points,
        # they never import metrics).
        from artops import extensions
        from metrics.ia import marks
        from metrics.views import panels

        extensions.register(extensions.SYNC_METRICS_SNAPSHOT, panels.sync_snapshot)
        extensions.register(extensions.ART_HOME_FIGURES, panels.home_figures)
        extensions.register(extensions.BACKLOG_FEATURES, marks.mark_improvements)
