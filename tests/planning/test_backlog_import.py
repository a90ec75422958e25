"""CSV import of features: parsing and validation, all-or-nothing saving, the pages and who may use them."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planning import imports
from planning.models import OFF_SCALE_MESSAGE, WSJF_INPUTS, Feature, FeatureStateChange
from tests.conftest import PERSONAS
from tests.factories import make_pi
from tests.helpers import expected, login
from tests.planning.factories import FeatureFactory

HEADER = "title,type,pi,user_business_value,time_criticality,risk_reduction,job_size,description\n"
GOOD = (
    HEADER
    + "Instant payouts,business,PI 2026.4,8,5,3,2,Pay sellers at once\n"
    + "Ledger replica,Enabler,,1,2,13,5,\n"
    + "Refund API,Business feature,pi 2026.4,,,,,\n"
)
# Line 3 (the second data row) has job size 4: off the modified Fibonacci scale.
BROKEN = (
    HEADER + "Instant payouts,business,,8,5,3,2,\nLedger replica,enabler,,1,2,13,4,\nRefund API,business,,1,1,1,1,\n"
)
ENABLERS = "title,type,job_size\nLedger replica,enabler,5\nEvent bus,enabler,8\n"


def url(name: str, art) -> str:
    return reverse(name, kwargs={"art_slug": art.slug})


def upload(text: str | bytes, name: str = "features.csv") -> SimpleUploadedFile:
    content = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, content, content_type="text/csv")


def confirm_text(content: bytes) -> str:
    """The CSV text that the preview's confirm form carries back."""
    match = re.search(r'name="csv_text" value="([^"]*)"', content.decode())
    assert match, "the preview has no confirm form"
    return html.unescape(match.group(1))


# --- parsing and validation ------------------------------------------------------------------


def test_a_valid_file_is_parsed_into_the_services_values(art, pi, product_manager):
    result = imports.preview(GOOD, art=art, by=product_manager)
    assert result.is_valid and result.errors == [] and result.messages == []
    assert [row.line for row in result.rows] == [2, 3, 4]
    first, second, third = (row.values for row in result.rows)
    assert first == {
        "title": "Instant payouts",
        "type": "business",
        "description": "Pay sellers at once",
        "benefit_hypothesis": "",
        "acceptance_criteria": "",
        "pi": pi,
        "user_business_value": 8,
        "time_criticality": 5,
        "risk_reduction": 3,
        "job_size": 2,
    }
    # Labels and any case are types; an empty PI is unplanned; empty WSJF inputs are 1.
    assert (second["type"], second["pi"], second["risk_reduction"]) == ("enabler", None, 13)
    assert (third["type"], third["pi"], third["job_size"], third["user_business_value"]) == ("business", pi, 1, 1)


def test_headers_ignore_case_spaces_and_hyphens_and_semicolons_delimit(art, product_manager):
    text = "Title;TYPE;User-business value;Time Criticality;risk-reduction;Job Size\nPayouts;enabler;3;5;8;13\n"
    result = imports.preview(text, art=art, by=product_manager)
    assert result.is_valid
    values = result.rows[0].values
    assert [values[name] for name in ("title", "type", "user_business_value", "job_size")] == [
        "Payouts",
        "enabler",
        3,
        13,
    ]


@pytest.mark.parametrize("value", ["4", "21", "text", "0", "-1", "2.5"])
def test_off_scale_wsjf_inputs_are_row_errors(art, product_manager, value):
    text = f"title,job_size,time_criticality\nGood,2,3\nBad,{value},3\n"
    result = imports.preview(text, art=art, by=product_manager)
    assert not result.is_valid
    assert result.rows[0].errors == []
    assert result.rows[1].errors == [f"Job size “{value}”: {OFF_SCALE_MESSAGE}"]
    assert result.messages == [f"Line 3: Job size “{value}”: {OFF_SCALE_MESSAGE}"]


def test_an_unknown_pi_is_a_row_error_naming_the_trains_pis(art, pi, other_art, product_manager):
    make_pi(other_art, name="PI 2027.1", start=pi.start_date)
    result = imports.preview("title,pi\nPayouts,PI 2027.1\n", art=art, by=product_manager)
    assert result.rows[0].errors == ["PI “PI 2027.1” is not a PI of this train (its PIs: PI 2026.4)."]


@pytest.mark.parametrize(
    ("cells", "error"),
    [
        (",business", "The title is required."),
        ("x" * 201 + ",business", "The title has 201 characters; at most 200 are allowed."),
        ("Payouts,epic", "Type “epic” is neither “business” nor “enabler”."),
        ("Payouts,business,surplus", "The row has 3 cells; the header names 2 columns."),
    ],
)
def test_row_errors(art, product_manager, cells, error):
    result = imports.preview(f"title,type\n{cells}\n", art=art, by=product_manager)
    assert result.rows[0].errors == [error]
    assert not result.is_valid


def test_a_title_of_200_characters_is_accepted(art, product_manager):
    assert imports.preview("title\n" + "x" * 200 + "\n", art=art, by=product_manager).is_valid


def test_missing_title_column_is_a_file_error(art, product_manager):
    result = imports.preview("name,type\nPayouts,business\n", art=art, by=product_manager)
    assert result.rows == [] and not result.is_valid
    assert "The file has no “title” column; it is the one column every row needs." in result.errors


def test_unknown_column_is_a_file_error_so_a_typo_drops_nothing(art, product_manager):
    result = imports.preview("title,job_sise\nPayouts,8\n", art=art, by=product_manager)
    assert result.rows == []
    assert result.errors == [f"Unknown column “job_sise”. The columns are: {', '.join(imports.COLUMN_NAMES)}."]


def test_a_value_under_a_column_without_a_name_is_an_error(art, product_manager):
    # An empty trailing column, as spreadsheets write, is fine; a value in it is not.
    result = imports.preview("title,\nPayouts,\nRefunds,oops\n", art=art, by=product_manager)
    assert result.rows[0].errors == []
    assert result.rows[1].errors == ["Column 2 has a value but no name in the header row."]


def test_a_duplicated_column_is_a_file_error(art, product_manager):
    result = imports.preview("title,Job Size,job_size\nPayouts,1,2\n", art=art, by=product_manager)
    assert result.errors == ["These columns appear twice: job_size."]


def test_a_byte_order_mark_is_not_part_of_the_first_header(art, product_manager):
    text = imports.decode("\ufefftitle,job_size\nPayouts,3\n".encode())
    result = imports.preview(text, art=art, by=product_manager)
    assert result.is_valid and result.rows[0].values["title"] == "Payouts"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The file is empty."),
        (b"\n \n", "The file is empty."),
        ("title\ncaf\u00e9\n".encode("latin-1"), "The file is not UTF-8 text (line 2 has a character that is not)."),
        ("title\nPayouts\n".encode("utf-16"), "The file is UTF-16 text. Save it as “CSV UTF-8”"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file (it contains binary data)."),
        (b"title\n" + b"x" * imports.MAX_BYTES, "The file is 1.0 MB; the limit is 1 MB."),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(raw, message):
    with pytest.raises(imports.CSVFileError) as refusal:
        imports.decode(raw)
    assert str(refusal.value).startswith(message)


def test_an_empty_text_or_a_header_alone_has_no_rows(art, product_manager):
    assert imports.preview("", art=art, by=product_manager).errors == ["The file is empty."]
    assert imports.preview("\ufeff", art=art, by=product_manager).errors == ["The file is empty."]
    assert imports.preview("title,type\n\n", art=art, by=product_manager).errors == [
        "The file has a header but no rows."
    ]


def test_at_most_1000_rows(art, product_manager):
    rows = "".join(f"Feature {number}\n" for number in range(imports.MAX_ROWS))
    assert imports.preview("title\n" + rows, art=art, by=product_manager).is_valid
    result = imports.preview("title\n" + rows + "One too many\n", art=art, by=product_manager)
    assert result.rows == []
    assert result.errors == ["The file has 1001 rows; the limit is 1000. Split it into smaller files."]


def test_blank_lines_are_skipped_and_quoted_cells_may_span_lines(art, product_manager):
    text = 'title,description\n\nPayouts,"two\nlines"\n\nBroken,\n'
    result = imports.preview(text.replace("Broken,", "Broken,,x"), art=art, by=product_manager)
    assert [row.line for row in result.rows] == [3, 6]
    assert result.rows[0].values["description"] == "two\nlines"
    assert result.messages == ["Line 6: The row has 3 cells; the header names 2 columns."]


def test_the_preview_shows_a_refused_cell_as_written(art, pi, product_manager):
    result = imports.preview(
        "title,type,pi,job_size\nPayouts,epic,PI 9,4\nRefunds,,pi 2026.4,\n", art=art, by=product_manager
    )
    refused, accepted = (row.shown for row in result.rows)
    assert (refused["type"], refused["pi"], refused["job_size"], refused["time_criticality"]) == (
        "epic",
        "PI 9",
        "4",
        "1",
    )
    assert (accepted["type"], accepted["pi"], accepted["job_size"]) == ("Business feature", "PI 2026.4", "1")


def test_a_system_architect_gets_a_row_error_for_a_business_row(art, system_architect):
    result = imports.preview("title,type\nRunway,enabler\nPayouts,business\n", art=art, by=system_architect)
    assert result.rows[0].errors == []
    assert result.rows[1].errors == ["Your role on this train does not allow adding business features."]


def test_the_module_documents_every_column():
    for name in (*imports.COLUMN_NAMES, *imports.IGNORED_COLUMNS):
        assert re.search(rf"\b{name}\b", imports.__doc__), name


# --- saving: all or nothing -------------------------------------------------------------------


def test_save_creates_every_row_in_order(art, pi, product_manager):
    created = imports.save(imports.preview(GOOD, art=art, by=product_manager), art=art, by=product_manager)
    assert [(feature.key, feature.title) for feature in created] == [
        ("PAY-1", "Instant payouts"),
        ("PAY-2", "Ledger replica"),
        ("PAY-3", "Refund API"),
    ]
    stored = Feature.objects.get(key="PAY-1")
    assert (stored.pi, stored.wsjf, stored.state, stored.description) == (pi, 8, "funnel", "Pay sellers at once")
    assert stored.state_changes.get().by == product_manager


def test_save_refuses_a_file_with_one_broken_row_and_saves_nothing(art, product_manager):
    result = imports.preview(BROKEN, art=art, by=product_manager)
    with pytest.raises(imports.ImportRefused):
        imports.save(result, art=art, by=product_manager)
    assert not Feature.objects.exists()


def test_a_row_the_service_still_refuses_rolls_back_every_row(art, product_manager):
    result = imports.preview(ENABLERS + "Cache,enabler,3\n", art=art, by=product_manager)
    assert result.is_valid
    # Values that changed after validation: the service has the last word.
    result.rows[1].values["job_size"] = 4
    with pytest.raises(imports.ImportRefused):
        imports.save(result, art=art, by=product_manager)
    assert not Feature.objects.exists()
    assert result.rows[1].errors == [OFF_SCALE_MESSAGE]
    # The refused attempt handed out no keys: the next feature is still number 1.
    created = imports.save(imports.preview(ENABLERS, art=art, by=product_manager), art=art, by=product_manager)
    assert [feature.key for feature in created] == ["PAY-1", "PAY-2"]


def enabler_rows(count: int) -> str:
    return "title,type,job_size\n" + "".join(f"Enabler {number},enabler,5\n" for number in range(count))


# The capability (memberships, read once), the train's next keys, the features, their first
# state changes, and the savepoint around them: the same whatever the length of the file.
SAVE_QUERIES = 6


@pytest.mark.parametrize("rows", [2, 40])
def test_save_reads_and_writes_a_constant_number_of_queries(art, product_manager, rows, django_assert_num_queries):
    result = imports.preview(enabler_rows(rows), art=art, by=product_manager)
    product_manager = type(product_manager).objects.get(pk=product_manager.pk)  # no memberships cached yet
    with django_assert_num_queries(SAVE_QUERIES):
        created = imports.save(result, art=art, by=product_manager)
    assert [feature.key for feature in created] == [f"PAY-{number}" for number in range(1, rows + 1)]
    assert Feature.objects.count() == rows
    assert FeatureStateChange.objects.filter(to_state="funnel", from_state="", by=product_manager).count() == rows


# --- the pages --------------------------------------------------------------------------------


IMPORTERS = {"rte", "product_manager", "system_architect"}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_import_page_permission_matrix(client, art, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).get(url("backlog_import", art))
    assert response.status_code == expected(name, name in IMPORTERS)
    if response.status_code == 200:
        assert b'id="column-mapping"' in response.content
        for column in imports.COLUMN_NAMES:
            assert f"<code>{column}</code>".encode() in response.content


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_preview_permission_matrix(client, art, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).post(url("backlog_import", art), {"file": upload(ENABLERS)})
    assert response.status_code == expected(name, name in IMPORTERS)
    if response.status_code == 200:
        assert b"Save 2 features" in response.content
    assert not Feature.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_confirm_permission_matrix(client, art, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    response = login(client, persona).post(url("backlog_import", art), {"csv_text": ENABLERS})
    allowed = name in IMPORTERS
    assert response.status_code == expected(name, allowed, ok=302)
    assert Feature.objects.count() == (2 if allowed else 0)


def test_a_system_architect_sees_a_row_error_for_a_business_row(client, art, system_architect):
    client = login(client, system_architect)
    text = ENABLERS + "Payouts,business,3\n"
    response = client.post(url("backlog_import", art), {"file": upload(text)})
    assert response.status_code == 422
    assert "Line 4: Your role on this train does not allow adding business features." in response.content.decode()
    assert b"Save " not in response.content
    assert client.post(url("backlog_import", art), {"csv_text": text}).status_code == 422
    assert not Feature.objects.exists()


def test_a_file_with_one_broken_row_saves_nothing_and_names_the_line(client, art, product_manager):
    client = login(client, product_manager)
    response = client.post(url("backlog_import", art), {"file": upload(BROKEN)})
    assert response.status_code == 422
    page = response.content.decode()
    assert f"Line 3: Job size “4”: {OFF_SCALE_MESSAGE}" in page
    assert "Nothing was saved" in page and 'name="csv_text"' not in page and "Save 3 features" not in page
    # A crafted confirm with the same text is validated again and refused.
    response = client.post(url("backlog_import", art), {"csv_text": BROKEN})
    assert response.status_code == 422
    assert "Line 3: Job size" in response.content.decode()
    assert not Feature.objects.exists()


def test_a_good_file_is_previewed_then_saved_with_keys_in_order(client, art, pi, product_manager):
    FeatureFactory(art=art, title="Already there")
    client = login(client, product_manager)
    response = client.post(url("backlog_import", art), {"file": upload("\ufeff" + GOOD)})
    assert response.status_code == 200
    assert b"Save 3 features" in response.content and b'data-line="4"' in response.content
    assert Feature.objects.count() == 1  # the preview saves nothing

    response = client.post(url("backlog_import", art), {"csv_text": confirm_text(response.content)}, follow=True)
    assert response.redirect_chain == [(url("backlog", art), 302)]
    assert "3 features imported." in response.content.decode()
    imported = Feature.objects.exclude(title="Already there").order_by("created_at", "id")
    assert [(feature.key, feature.title, feature.type) for feature in imported] == [
        ("PAY-2", "Instant payouts", "business"),
        ("PAY-3", "Ledger replica", "enabler"),
        ("PAY-4", "Refund API", "business"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required."),
        ({"file": upload(b"")}, "The submitted file is empty."),
        ({"file": upload("title\ncaf\u00e9\n".encode("cp1252"))}, "The file is not UTF-8 text"),
        ({"file": upload(b"\x00\x01\x02binary")}, "This is not a CSV file"),
        ({"file": upload("title,priority\nPayouts,high\n")}, "Unknown column “priority”."),
        ({"csv_text": ""}, "did not come back with the form"),
    ],
)
def test_invalid_files_answer_422_with_the_reason(client, art, product_manager, data, message):
    response = login(client, product_manager).post(url("backlog_import", art), data)
    assert response.status_code == 422
    assert message in html.unescape(response.content.decode())
    assert not Feature.objects.exists()


def test_a_file_over_1_mb_is_refused_before_it_is_read(client, art, product_manager):
    big = upload(b"title\n" + b"Payouts\n" * (imports.MAX_BYTES // 8 + 1))
    response = login(client, product_manager).post(url("backlog_import", art), {"file": big})
    assert response.status_code == 422
    assert "the limit is 1 MB" in response.content.decode()


def test_an_export_imports_again_as_new_features(client, art, pi, product_manager):
    FeatureFactory(art=art, title="=SUM(A1)", user_business_value=13, time_criticality=2, risk_reduction=8, pi=pi)
    FeatureFactory(art=art, title="Ledger, replica", type="enabler", job_size=20)
    FeatureFactory(art=art, title="Refunds", user_business_value=5, job_size=3)
    originals = set(Feature.objects.values_list("title", "type", "pi", *WSJF_INPUTS))
    client = login(client, product_manager)
    exported = client.get(url("backlog_csv", art)).content

    response = client.post(url("backlog_import", art), {"file": upload(exported)})
    assert response.status_code == 200, response.content.decode()
    assert "Ignored (read-only) columns: rank, key, state, cost_of_delay, wsjf." in response.content.decode()
    response = client.post(url("backlog_import", art), {"csv_text": confirm_text(response.content)})
    assert response.status_code == 302

    copies = Feature.objects.exclude(key__in=["PAY-1", "PAY-2", "PAY-3"])
    assert copies.count() == 3
    assert set(copies.values_list("title", "type", "pi", *WSJF_INPUTS)) == originals


def test_the_backlog_links_to_the_import_for_those_who_may_add(client, art, product_manager, team_member):
    link = url("backlog_import", art).encode()
    assert link in login(client, product_manager).get(url("backlog", art)).content
    assert link not in login(client, team_member).get(url("backlog", art)).content


def test_the_confirm_form_carries_the_text_unchanged(client, art, product_manager):
    text = 'title,description\n"Payouts","He said ""now"" & <b>then</b>"\n'
    response = login(client, product_manager).post(url("backlog_import", art), {"file": upload(text)})
    assert confirm_text(response.content) == text
    assert b"<b>then</b>" not in response.content  # escaped in the preview table and the hidden field


def test_read_upload_reads_no_more_than_the_limit():
    with pytest.raises(imports.CSVFileError, match="the limit is 1 MB"):
        imports.read_upload(upload(b"x" * (imports.MAX_BYTES + 1)))
    assert imports.read_upload(upload(b"\xef\xbb\xbftitle\nA\n")) == "title\nA\n"
