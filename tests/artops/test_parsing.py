"""The one parser of numbers, ids and storable text (``artops.parsing``), and its adapters."""

import argparse

import django_filters
import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.module_loading import import_string
from rest_framework import serializers

from artops.models import Team
from artops.parsing import (
    BIGINT_MAX,
    ApiIdField,
    ApiIdRelatedField,
    ApiIntegerField,
    BadNumber,
    BoundedIntegerField,
    IdChoiceField,
    IdField,
    IdFilter,
    NoneWord,
    StorableSegmentConverter,
    filtered_or_nothing,
    id_or_nothing,
    is_storable,
    parse_id,
    parse_ids,
    parse_int,
    parse_since,
    read_id,
    read_int,
    shown,
    unstorable_reason,
    validate_storable_text,
)

BAD_FOR_ANY_NUMBER = [
    pytest.param("²", id="superscript-two"),
    pytest.param("①", id="circled-one"),
    pytest.param("١٢", id="arabic-indic-twelve"),
    pytest.param("１２", id="fullwidth-twelve"),
    pytest.param("1e3", id="exponent"),
    pytest.param("1.0", id="decimal-point"),
    pytest.param("1_000", id="underscore"),
    pytest.param(" 12", id="leading-space"),
    pytest.param("12 ", id="trailing-space"),
    pytest.param("12\n", id="trailing-newline"),
    pytest.param("", id="empty"),
    pytest.param("+12", id="plus-sign"),
    pytest.param("9" * 5000, id="5000-digits"),
    pytest.param("1" * 100_000, id="100000-characters"),
    pytest.param("\x00", id="nul"),
    pytest.param("1\x00", id="digit-nul"),
    pytest.param("\ud800", id="lone-surrogate"),
    pytest.param("0x1f", id="hex"),
    pytest.param("none", id="word"),
    pytest.param(None, id="none-object"),
    pytest.param(True, id="bool"),
    pytest.param(1.0, id="float"),
    pytest.param([1], id="list"),
]


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("12", 12),
        ("1", 1),
        ("007", 7),
        (12, 12),
        (str(BIGINT_MAX), BIGINT_MAX),
        (BIGINT_MAX, BIGINT_MAX),
    ],
)
def test_an_id_is_ascii_digits_within_a_bigint(value, number):
    assert parse_id(value) == number


@pytest.mark.parametrize(
    "value",
    [
        *BAD_FOR_ANY_NUMBER,
        pytest.param("0", id="zero"),
        pytest.param("-1", id="negative"),
        pytest.param(0, id="int-zero"),
        pytest.param(-1, id="int-negative"),
        pytest.param(str(BIGINT_MAX + 1), id="bigint-max-plus-one"),
        pytest.param(BIGINT_MAX + 1, id="int-bigint-max-plus-one"),
        pytest.param("9" * 20, id="20-digits"),
    ],
)
def test_anything_else_is_not_an_id(value):
    with pytest.raises(BadNumber) as raised:
        parse_id(value, name="pi")
    error = raised.value
    assert isinstance(error, ValueError) and isinstance(error, ValidationError)
    assert error.name == "pi"
    assert str(error).startswith("pi: ") and error.message == str(error)
    assert error.message_dict == {"pi": [error.reason]}
    # The message never carries the raw value: no NUL, no surrogate, no 100,000 characters.
    assert is_storable(error.message) and len(error.message) < 200


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("²", "“²” is not a whole number: write it with the digits 0–9 only."),
        ("", "give a whole number; this one is empty."),
        ("9" * 5000, "5,000 characters are too many for a number."),
        ("0", f"0 is out of range: give a number from 1 to {BIGINT_MAX}."),
        (str(BIGINT_MAX + 1), f"{BIGINT_MAX + 1} is out of range: give a number from 1 to {BIGINT_MAX}."),
        ("\x00", "“\\x00” is not a whole number: write it with the digits 0–9 only."),
    ],
)
def test_the_message_says_why(value, reason):
    with pytest.raises(BadNumber) as raised:
        parse_id(value, name="team")
    assert raised.value.reason == reason
    assert raised.value.message == f"team: {reason}"


def test_a_sign_is_read_only_where_negative_numbers_make_sense():
    assert parse_int("-5", minimum=-10, maximum=10) == -5
    assert parse_int("-0", minimum=-10, maximum=10) == 0
    for value in ("-5", "--5", "+5"):
        with pytest.raises(BadNumber):
            parse_int(value, minimum=0)
    with pytest.raises(BadNumber):
        parse_int("-11", minimum=-10, maximum=10)
    with pytest.raises(BadNumber):
        parse_int("--5", minimum=-10, maximum=10)


@pytest.mark.parametrize(("value", "number"), [("0", 0), ("12", 12), (str(BIGINT_MAX), BIGINT_MAX)])
def test_since_fits_the_board_clock(value, number):
    assert parse_since(value) == number


@pytest.mark.parametrize("value", [*BAD_FOR_ANY_NUMBER, "-1", str(BIGINT_MAX + 1)])
def test_since_refuses_anything_else(value):
    with pytest.raises(BadNumber) as raised:
        parse_since(value)
    assert raised.value.name == "since"


def test_the_board_clock_column_is_what_since_is_bounded_by():
    from planning.models import BoardClock

    assert BoardClock._meta.get_field("version").get_internal_type() == "PositiveBigIntegerField"


def test_reading_from_request_data():
    query = QueryDict("pi=12&team=&teams=1&teams=&teams=3&bad=%C2%B2")
    assert read_id(query, "pi") == 12
    assert read_id(query, "team") is None
    assert read_id(query, "absent") is None
    assert read_int(query, "absent", default=5) == 5
    assert parse_ids(query.getlist("teams"), name="teams") == [1, 3]
    with pytest.raises(BadNumber, match="this value is required"):
        read_id(query, "team", required=True)
    with pytest.raises(BadNumber, match=r"^bad: "):
        read_id(query, "bad")
    # A JSON body and a CSV row are mappings too.
    assert read_id({"feature": 7}, "feature") == 7
    assert read_int({"job_size": "13"}, "job_size", minimum=1, maximum=20) == 13


def test_id_or_nothing_is_for_lists_where_a_bad_id_matches_nothing():
    assert id_or_nothing("12") == 12
    assert id_or_nothing("²") is None
    assert id_or_nothing("9" * 5000) is None


def test_a_management_command_argument_reads_with_the_same_parser():
    parser = argparse.ArgumentParser(exit_on_error=False)
    parser.add_argument("pi", type=parse_id)
    assert parser.parse_args(["12"]).pi == 12
    with pytest.raises(argparse.ArgumentError):
        parser.parse_args(["²"])


# --- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "storable"),
    [
        ("Instant payouts", True),
        ("Zahlungen über SEPA ✓ 💶", True),
        ("", True),
        ("tab\tand\nnewline", True),
        ("a\x00b", False),
        ("\x00", False),
        ("\ud800", False),
        ("end\udfff", False),
    ],
)
def test_text_postgresql_cannot_store_is_refused(value, storable):
    assert is_storable(value) is storable
    if storable:
        validate_storable_text(value)
        assert unstorable_reason(value) is None
    else:
        with pytest.raises(ValidationError) as raised:
            validate_storable_text(value)
        assert raised.value.code == "unstorable"
        assert raised.value.messages == [unstorable_reason(value)]
        assert is_storable(raised.value.messages[0])


def test_the_validator_works_on_form_and_serializer_fields_and_in_migrations():
    form_field = forms.CharField(validators=[validate_storable_text])
    with pytest.raises(ValidationError, match="NUL"):
        form_field.clean("a\x00b")

    class Note(serializers.Serializer):
        text = serializers.CharField(validators=[validate_storable_text])

    assert Note(data={"text": "fine"}).is_valid()
    assert not Note(data={"text": "a\x00b"}).is_valid()
    # A migration writes the validator as its class called without arguments: that must rebuild it.
    path, args, kwargs = validate_storable_text.deconstruct()
    assert path == "artops.parsing.StorableTextValidator" and not args and not kwargs
    assert import_string(path)(*args, **kwargs) == validate_storable_text


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("F-12", "F-12"),
        ("a\x00b", "a\\x00b"),
        ("\ud800", "\\ud800"),
        ("\x1b[31m", "\\x1b[31m"),
        ("x" * 100, "x" * 40 + "…"),
        (12, "12"),
    ],
)
def test_a_refused_value_is_shown_safely(value, safe):
    assert shown(value) == safe


@pytest.mark.parametrize(
    ("segment", "matches"),
    [("F-12", True), ("Zahlung-ü", True), ("F\x0012", False), ("\x00", False), ("a\ud800", False), ("a/b", False)],
)
def test_the_url_converter_refuses_segments_postgresql_cannot_store(segment, matches):
    import re

    assert bool(re.fullmatch(StorableSegmentConverter.regex, segment)) is matches


# --- adapters --------------------------------------------------------------------------------------


class NumbersForm(forms.Form):
    team = IdField(required=False)
    iteration = IdField(required=False, none="none")
    points = BoundedIntegerField(min_value=0, max_value=100, required=False)


@pytest.mark.parametrize(
    ("data", "cleaned"),
    [
        ({"team": "12", "iteration": "none", "points": "0"}, {"team": 12, "iteration": "none", "points": 0}),
        ({}, {"team": None, "iteration": None, "points": None}),
        ({"iteration": "4"}, {"team": None, "iteration": 4, "points": None}),
    ],
)
def test_form_fields_clean_with_the_parser(data, cleaned):
    form = NumbersForm(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data == cleaned
    assert isinstance(form.cleaned_data["iteration"], NoneWord) == (data.get("iteration") == "none")


@pytest.mark.parametrize("value", ["²", "①", "-1", "9" * 5000, "\x00", "1e3", str(BIGINT_MAX + 1)])
def test_form_fields_refuse_with_a_message(value):
    form = NumbersForm({"team": value, "iteration": value, "points": value})
    assert not form.is_valid()
    assert set(form.errors) == {"team", "iteration", "points"}
    for messages in form.errors.values():
        assert all(is_storable(message) and len(message) < 200 for message in messages)


def test_a_bounded_field_refuses_numbers_out_of_its_range():
    form = NumbersForm({"points": "101"})
    assert not form.is_valid()
    assert form.errors["points"] == ["101 is out of range: give a number from 0 to 100."]


def test_a_number_field_renders_its_bounds():
    assert 'max="100"' in str(NumbersForm()["points"]) and 'min="0"' in str(NumbersForm()["points"])


@pytest.mark.django_db
def test_id_choice_field_reads_the_id_before_the_lookup(art, team):
    field = IdChoiceField(queryset=Team.objects.all())
    assert field.clean(str(team.pk)) == team
    for value in ("١", "²", "9" * 5000, str(BIGINT_MAX + 1), "-1", "\x00"):
        with pytest.raises(ValidationError) as raised:
            field.clean(value)
        assert raised.value.code == "invalid_choice"


class TeamNumbersFilter(django_filters.FilterSet):
    id = IdFilter(field_name="id", help_text="Id of the team.")
    art = IdFilter(field_name="art", none="none")

    class Meta:
        model = Team
        fields = ("id", "art")


@pytest.mark.django_db
def test_id_filter_filters_by_id_and_refuses_the_rest(art, team, other_team):
    queryset = Team.objects.all()
    assert list(TeamNumbersFilter({"id": str(team.pk)}, queryset=queryset).qs) == [team]
    assert set(TeamNumbersFilter({"art": str(art.pk)}, queryset=queryset).qs) == {team, other_team}
    assert list(TeamNumbersFilter({"art": "none"}, queryset=queryset).qs) == []
    assert set(TeamNumbersFilter({}, queryset=queryset).qs) == {team, other_team}
    for value in ("²", "9" * 5000, "-1", "\x00"):
        filterset = TeamNumbersFilter({"id": value}, queryset=queryset)
        assert not filterset.is_valid()
        assert list(filtered_or_nothing(filterset)) == []


def test_id_filter_tells_the_openapi_schema_what_it_takes():
    from drf_spectacular.drainage import get_override

    plain = get_override(TeamNumbersFilter.base_filters["id"], "field")
    assert plain == {
        "type": "integer",
        "format": "int64",
        "minimum": 1,
        "maximum": BIGINT_MAX,
        "description": "Id of the team.",
    }
    with_word = get_override(TeamNumbersFilter.base_filters["art"], "field")
    assert with_word["anyOf"][1] == {"type": "string", "enum": ["none"]}


class NumbersSerializer(serializers.Serializer):
    team = ApiIdField()
    points = ApiIntegerField(min_value=0, max_value=100, required=False)


@pytest.mark.parametrize(
    ("data", "valid"),
    [
        ({"team": 12, "points": 3}, True),
        ({"team": "12"}, True),
        ({"team": "²"}, False),
        ({"team": "١٢"}, False),
        ({"team": "9" * 5000}, False),
        ({"team": 0}, False),
        ({"team": BIGINT_MAX + 1}, False),
        ({"team": 12.5}, False),
        ({"team": True}, False),
        ({"team": None}, False),
        ({"team": 1, "points": 101}, False),
        ({"team": 1, "points": "-1"}, False),
    ],
)
def test_serializer_fields_read_with_the_parser(data, valid):
    serializer = NumbersSerializer(data=data)
    assert serializer.is_valid() is valid, serializer.errors


@pytest.mark.django_db
def test_related_field_reads_the_id_before_the_lookup(team):
    field = ApiIdRelatedField(queryset=Team.objects.all())
    assert field.to_internal_value(str(team.pk)) == team
    for value in ("١", "9" * 5000, str(BIGINT_MAX + 1), "\x00"):
        with pytest.raises(serializers.ValidationError):
            field.to_internal_value(value)


def test_the_api_answers_a_bad_number_with_a_400():
    from artops.api_errors import exception_handler

    response = exception_handler(BadNumber("pi", "“²” is not a whole number."), {})
    assert response.status_code == 400
    assert response.data == {"pi": ["“²” is not a whole number."]}
