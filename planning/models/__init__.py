"""PI Planning: the ART backlog, the teams' plans and their PI objectives, one module per page family.

=====================  ==================================================================
module                 models
=====================  ==================================================================
``backlog``            ``Feature`` (WSJF), ``FeatureCounter`` (keys), ``FeatureStateChange``
``team_board``         ``TeamCapacity`` (capacity and load), ``Story``
``program_board``      ``FeaturePlacement`` (cards), ``PlacementChange``, ``Milestone``,
                       ``BoardClock``, ``Health`` (the colour of a dependency line)
``objectives``         ``PIObjective`` (business value, predictability), ``ObjectiveChange``
``vote``               ``VoteRound``, ``Vote``, ``Tally``
``readiness``          ``ReadinessItem``
``committed_plan``     ``PlanBaseline``, ``BaselinePlacement``, ``BaselineObjective``
``jira``               ``JiraMapping`` (per train), ``JiraUpload`` (an export awaiting import)
``text``               the bounds of free text (``bounded_text``, ``storable_text``)
=====================  ==================================================================

Every public name is re-exported here: ``from planning.models import Feature`` is the way to
import them.
"""

from planning.models.backlog import (
    COST_OF_DELAY,
    FIBONACCI,
    FIBONACCI_CHOICES,
    OFF_SCALE_MESSAGE,
    RATIO,
    WSJF_INPUTS,
    Feature,
    FeatureCounter,
    FeatureQuerySet,
    FeatureStateChange,
    fibonacci_field,
    key_prefix,
)
from planning.models.committed_plan import BaselineObjective, BaselinePlacement, PlanBaseline
from planning.models.jira import JiraMapping, JiraUpload
from planning.models.objectives import (
    ACTUAL_BV_RANGE,
    BAND_LABELS,
    HEALTHY_BAND,
    PLANNED_BV_RANGE,
    ObjectiveChange,
    PIObjective,
    PIObjectiveQuerySet,
    band_of,
    predictability,
)
from planning.models.program_board import (
    HEALTH_BY_STATE,
    BoardClock,
    FeaturePlacement,
    FeaturePlacementQuerySet,
    Health,
    Milestone,
    PlacementChange,
)
from planning.models.readiness import DEFAULT_READINESS, ReadinessItem
from planning.models.team_board import (
    DAYS_OFF_RANGE,
    FTE_MAX_MESSAGE,
    FTE_RANGE,
    HOLIDAY_MAX_MESSAGE,
    IP_REFUSAL,
    NEGATIVE_MESSAGE,
    NORMALISED_CAPACITY,
    POINTS,
    POINTS_PER_FTE,
    VACATION_MAX_MESSAGE,
    VELOCITY_MAX_MESSAGE,
    VELOCITY_MIN_MESSAGE,
    VELOCITY_RANGE,
    Story,
    StoryQuerySet,
    TeamCapacity,
    TeamCapacityQuerySet,
    TeamScopedQuerySet,
    is_overloaded,
    load_percent,
    normalised_capacity,
)
from planning.models.text import FEATURE_TEXT_MAX_LENGTH, bounded_text, storable_text
from planning.models.vote import REPLAN_BELOW, VOTE_VALUES, Tally, Vote, VoteRound, VoteRoundQuerySet

__all__ = [
    "ACTUAL_BV_RANGE",
    "BAND_LABELS",
    "COST_OF_DELAY",
    "DAYS_OFF_RANGE",
    "DEFAULT_READINESS",
    "FEATURE_TEXT_MAX_LENGTH",
    "FIBONACCI",
    "FIBONACCI_CHOICES",
    "FTE_MAX_MESSAGE",
    "FTE_RANGE",
    "HEALTHY_BAND",
    "HEALTH_BY_STATE",
    "HOLIDAY_MAX_MESSAGE",
    "IP_REFUSAL",
    "NEGATIVE_MESSAGE",
    "NORMALISED_CAPACITY",
    "OFF_SCALE_MESSAGE",
    "PLANNED_BV_RANGE",
    "POINTS",
    "POINTS_PER_FTE",
    "RATIO",
    "REPLAN_BELOW",
    "VACATION_MAX_MESSAGE",
    "VELOCITY_MAX_MESSAGE",
    "VELOCITY_MIN_MESSAGE",
    "VELOCITY_RANGE",
    "VOTE_VALUES",
    "WSJF_INPUTS",
    "BaselineObjective",
    "BaselinePlacement",
    "BoardClock",
    "Feature",
    "FeatureCounter",
    "FeaturePlacement",
    "FeaturePlacementQuerySet",
    "FeatureQuerySet",
    "FeatureStateChange",
    "Health",
    "JiraMapping",
    "JiraUpload",
    "Milestone",
    "ObjectiveChange",
    "PIObjective",
    "PIObjectiveQuerySet",
    "PlacementChange",
    "PlanBaseline",
    "ReadinessItem",
    "Story",
    "StoryQuerySet",
    "Tally",
    "TeamCapacity",
    "TeamCapacityQuerySet",
    "TeamScopedQuerySet",
    "Vote",
    "VoteRound",
    "VoteRoundQuerySet",
    "band_of",
    "bounded_text",
    "fibonacci_field",
    "is_overloaded",
    "key_prefix",
    "load_percent",
    "normalised_capacity",
    "predictability",
    "storable_text",
]
