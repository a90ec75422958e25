"""Forms of the Jira import: the export to upload, and the mapping chosen on its preview."""

from __future__ import annotations

import hashlib

from django import forms

from artops.models import ART, ProgramIncrement, Team
from artops.parsing import IdChoiceField
from planning import jira_import
from planning.models import Feature, Story


class UploadForm(forms.Form):
    """The Jira CSV export to preview."""

    file = forms.FileField(
        label="Jira CSV export",
        help_text=(
            f"Jira's issue search, “Export → CSV (all fields)”: at most {jira_import.MAX_BYTES // 1_000_000} MB "
            f"and {jira_import.MAX_ROWS:,} issues."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


def field_name(prefix: str, value: str) -> str:
    """A stable field name for a Jira value (a type, a status, a team), whatever characters it has."""
    return f"{prefix}_{hashlib.sha256(value.casefold().encode()).hexdigest()[:12]}"


class MappingForm(forms.Form):
    """The mapping of one export: a choice per issue type, status and team value found in the file.

    Its fields are built from the file; ``mapping_json()`` gives the JSON shape that
    ``jira_import.clean_mapping`` checks (the API sends the same shape).
    """

    team_column = forms.ChoiceField(label="Team column", required=False)
    points_column = forms.ChoiceField(label="Story points column", required=False)
    pi = IdChoiceField(
        label="PI of stories without a fix version",
        queryset=ProgramIncrement.objects.none(),
        required=False,
        empty_label="— none: such stories are refused —",
    )

    def __init__(self, *args, art: ART, preview: jira_import.Preview, **kwargs):
        mapping = preview.mapping
        export = preview.file
        super().__init__(*args, **kwargs)
        columns = [("", "— none —"), *((name, name) for name in export.header.choosable)]
        self.fields["team_column"].choices = columns
        self.fields["points_column"].choices = columns
        self.fields["team_column"].initial = mapping.team_column
        self.fields["points_column"].initial = mapping.points_column
        self.fields["pi"].queryset = ProgramIncrement.objects.for_art(art).order_by("start_date")
        self.fields["pi"].initial = mapping.pi_id
        self.types, self.statuses, self.teams = [], [], []
        for issue_type in export.issue_types:
            name = field_name("type", issue_type)
            self.fields[name] = forms.ChoiceField(
                label=issue_type, choices=jira_import.Kind.CHOICES, initial=mapping.kind(issue_type), required=False
            )
            self.types.append((issue_type, name))
        for status in export.statuses:
            feature_name, story_name = field_name("feature_state", status), field_name("story_state", status)
            self.fields[feature_name] = forms.ChoiceField(
                label=f"{status}: feature state",
                choices=Feature.State.choices,
                initial=mapping.feature_state(status),
                required=False,
            )
            self.fields[story_name] = forms.ChoiceField(
                label=f"{status}: story state",
                choices=Story.State.choices,
                initial=mapping.story_state(status),
                required=False,
            )
            self.statuses.append((status, feature_name, story_name))
        train_teams = {team.name.casefold(): team for team in Team.objects.for_art(art)}
        team_choices = [("0", "— not a team of this train —"), *((str(t.pk), t.name) for t in train_teams.values())]
        for value in export.team_values:
            name = field_name("team", value)
            chosen = mapping.teams.get(value.casefold())
            if chosen is None:
                chosen = train_teams[value.casefold()].pk if value.casefold() in train_teams else 0
            self.fields[name] = forms.ChoiceField(
                label=value, choices=team_choices, initial=str(chosen), required=False
            )
            self.teams.append((value, name))

    # The bound fields of each table of the preview page, with the Jira value they map.
    @property
    def type_rows(self) -> list:
        return [(issue_type, self[name]) for issue_type, name in self.types]

    @property
    def status_rows(self) -> list:
        return [(status, self[feature], self[story]) for status, feature, story in self.statuses]

    @property
    def team_rows(self) -> list:
        return [(value, self[name]) for value, name in self.teams]

    def mapping_json(self) -> dict:
        """The chosen mapping in the shape of ``Mapping.as_json``; call after ``is_valid()``."""
        data = self.cleaned_data
        pi = data.get("pi")
        return {
            "team_column": data.get("team_column", ""),
            "points_column": data.get("points_column", ""),
            "pi": pi.pk if pi else None,
            "types": {issue_type: data[name] for issue_type, name in self.types if data.get(name)},
            "feature_states": {status: data[f] for status, f, _ in self.statuses if data.get(f)},
            "story_states": {status: data[s] for status, _, s in self.statuses if data.get(s)},
            # A team choice is one of the ids (or "0") this form offered, checked by its ChoiceField.
            "teams": {value: int(data[name]) for value, name in self.teams if data.get(name)},
        }
