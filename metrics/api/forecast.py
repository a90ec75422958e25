"""The API of the forecast (``/api/forecasts/{art_slug}/``), as the forecast page answers it.

- ``?features=N``: when will N features be done? The days by which they are, with 50, 85
  and 95% confidence (N from 1 to 500; 0 or 1000 answer 400 with the reason);
- ``?pi=<id>``: how many more features by the end of that PI (one of the train's, not over)?
  The counts reached or beaten with 50, 85 and 95% confidence.

Both from the train's own weekly throughput (the ``history`` of the answer) and 10,000 simulated
futures, on a fixed seed: the same history gives the same answer. With too little history,
``forecast`` is null and ``refusal`` says why (200: nothing was wrong with the question).
"""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from artops.api_base import ApiViewSet
from artops.models import ART
from artops.parsing import ApiIdField, ApiIntegerField
from metrics import forecast
from metrics.api.flow import art_by_slug, pi_of_train

HOW_MANY = f"Ask about 1 to {forecast.MAX_FEATURES} features"


class ForecastQuerySerializer(serializers.Serializer):
    # Any whole number is read, so that 0 or 1000 get the question's own message.
    features = ApiIntegerField(
        required=False, min_value=0, help_text=f"How many features: 1 to {forecast.MAX_FEATURES}."
    )
    pi = ApiIdField(required=False, help_text="Id of a PI of the train that is not over.")

    def validate_features(self, value: int) -> int:
        if not 1 <= value <= forecast.MAX_FEATURES:
            raise serializers.ValidationError(f"{HOW_MANY} (not {value}).")
        return value

    def validate(self, attrs: dict) -> dict:
        if ("features" in attrs) == ("pi" in attrs):
            raise serializers.ValidationError(
                {"non_field_errors": ["Ask one question: ?features=N (when?) or ?pi=<id> (how many?)."]}
            )
        return attrs


class ConfidenceDateSerializer(serializers.Serializer):
    confidence = serializers.IntegerField(help_text="Percent of the simulated futures.")
    date = serializers.DateField(help_text="The features are all done by this day in that share of the futures.")


class ConfidenceCountSerializer(serializers.Serializer):
    confidence = serializers.IntegerField(help_text="Percent of the simulated futures.")
    count = serializers.IntegerField(help_text="At least this many features in that share of the futures.")


class ForecastResultSerializer(serializers.Serializer):
    features = serializers.IntegerField(required=False, help_text="The features asked about (?features=).")
    pi = serializers.IntegerField(required=False, help_text="The PI asked about (?pi=).")
    weeks = serializers.IntegerField(required=False, help_text="Whole weeks left until the PI's last day.")
    dates = ConfidenceDateSerializer(many=True, required=False)
    counts = ConfidenceCountSerializer(many=True, required=False)


class ForecastSerializer(serializers.Serializer):
    """A forecast from the train's own throughput, or the reason there is none."""

    art = serializers.CharField(help_text="Slug of the train.")
    today = serializers.DateField(help_text="The train's today: the forecast counts from it.")
    question = serializers.ChoiceField(choices=("when", "how_many"))
    history = serializers.ListField(
        child=serializers.IntegerField(), help_text="Features accepted in each whole week drawn from, oldest first."
    )
    runs = serializers.IntegerField(help_text="Simulated futures.")
    forecast = ForecastResultSerializer(allow_null=True, help_text="Null when there is too little history.")
    refusal = serializers.CharField(allow_blank=True, help_text="Why there is no forecast; empty when there is one.")


FORECAST_PARAMETERS = [
    OpenApiParameter("features", int, description=f"When will N features be done? 1 to {forecast.MAX_FEATURES}."),
    OpenApiParameter("pi", int, description="How many more features by the end of this PI (its id)?"),
]


class ForecastViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    """Forecasts of a train (its slug names it) by Monte Carlo simulation of its own throughput."""

    serializer_class = ForecastSerializer
    capabilities: ClassVar[dict[str, str]] = {"retrieve": "art.view"}
    lookup_field = "slug"
    lookup_value_regex = "[^/.]+"
    filter_backends = ()
    pagination_class = None
    http_method_names = ("get", "head", "options")

    def get_queryset(self):
        return ART.objects.visible_to(self.request.user)

    @extend_schema(parameters=FORECAST_PARAMETERS, responses=ForecastSerializer)
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        art = art_by_slug(self)
        query = ForecastQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = art.today()
        answer = {"art": art.slug, "today": today, "history": forecast.history_of(art, today), "runs": forecast.RUNS}
        try:
            if "features" in query.validated_data:
                count = query.validated_data["features"]
                result = forecast.forecast_when_done(art, count, today=today)
                body = {"features": count, "dates": [{"confidence": c, "date": d} for c, d in result.dates.items()]}
                answer["question"] = "when"
            else:
                pi = pi_of_train(art, query.validated_data["pi"], today)
                result = forecast.forecast_pi_end(art, pi, today=today)
                counts = [{"confidence": c, "count": n} for c, n in result.counts.items()]
                body = {"pi": pi.pk, "weeks": result.weeks, "counts": counts}
                answer["question"] = "how_many"
            answer.update(forecast=body, refusal="")
        except forecast.ForecastRefused as refusal:
            answer.update(forecast=None, refusal=str(refusal))
            answer.setdefault("question", "when" if "features" in query.validated_data else "how_many")
        return Response(ForecastSerializer(answer).data)
