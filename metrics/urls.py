"""Pages of the metrics, under arts/<art_slug>/metrics/."""

from django.urls import path

from metrics.views import business_owner, flow, forecast

urlpatterns = [
    path("", business_owner.metrics_home, name="metrics_home"),
    path("business-owners/", business_owner.business_owner_dashboard, name="business_owner_dashboard"),
    path("business-owners/trend.csv", business_owner.business_owner_trend_csv, name="business_owner_trend_csv"),
    path(
        "objectives/<int:objective_id>/business-value/",
        business_owner.business_value_edit,
        name="business_value_edit",
    ),
    path("flow/", flow.flow_dashboard, name="flow_dashboard"),
    path("flow/chart.csv", flow.flow_chart_csv, name="flow_chart_csv"),
    path("forecast/", forecast.forecast_page, name="forecast"),
]
