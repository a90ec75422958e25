"""Importing the backlog from a Jira CSV export: upload, preview with the mapping, confirm.

The upload is kept (``JiraUpload``) between the pages, so a large export is sent once. The
preview page shows what the import would do with the train's remembered mapping; changing the
mapping and asking for the preview again shows it anew; confirming validates the file again with
the mapping sent (never trusting the earlier preview) and saves every row or none. A refused file
or mapping answers 422 with its errors; nothing is saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from artops.models import ART
from artops.pages import UNPROCESSABLE
from artops.permissions import art_capability_required
from planning import jira_import, services
from planning.forms.jira_import import MappingForm, UploadForm
from planning.models import JiraUpload

NAV_SECTION = "backlog"


def _render_upload(request: HttpRequest, art: ART, form: UploadForm, status: int = 200) -> HttpResponse:
    return render(request, "planning/jira_import.html", {"art": art, "upload_form": form}, status=status)


@art_capability_required("planning.import_backlog")
@require_http_methods(["GET", "POST"])
def jira_import_upload(request: HttpRequest) -> HttpResponse:
    """GET: the upload form and what is read from the export. POST: keep the file, go to its preview."""
    art: ART = request.art
    if request.method == "GET":
        return _render_upload(request, art, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_upload(request, art, form, UNPROCESSABLE)
    upload = form.cleaned_data["file"]
    if upload.size is not None and upload.size > jira_import.MAX_BYTES:
        form.add_error("file", f"The file is larger than {jira_import.MAX_BYTES // 1_000_000} MB. Split the search.")
        return _render_upload(request, art, form, UNPROCESSABLE)
    try:
        kept = services.upload_jira_export(
            art, by=request.user, raw=upload.read(jira_import.MAX_BYTES + 1), filename=upload.name or ""
        )
    except ValidationError as error:
        for message in error.message_dict.get("file", error.messages):
            form.add_error("file", message)
        return _render_upload(request, art, form, UNPROCESSABLE)
    return redirect(reverse("jira_import_preview", kwargs={"art_slug": art.slug, "upload_id": kept.pk}))


def _render_preview(request, art, upload, preview, form, *, status=200, mapping_errors=()) -> HttpResponse:
    if not preview.is_valid or mapping_errors:
        status = UNPROCESSABLE
    return render(
        request,
        "planning/jira_import_preview.html",
        {
            "art": art,
            "upload": upload,
            "preview": preview,
            "counts": preview.counts(),
            "form": form,
            "mapping_errors": mapping_errors,
        },
        status=status,
    )


@art_capability_required("planning.import_backlog")
@require_http_methods(["GET", "POST"])
def jira_import_preview(request: HttpRequest, upload_id: int) -> HttpResponse:
    """GET: the preview with the remembered mapping. POST: the mapping sent; ``confirm`` imports."""
    art: ART = request.art
    upload = get_object_or_404(JiraUpload.objects.for_art(art).select_related("art"), pk=upload_id)
    if request.method == "GET":
        preview = services.preview_jira_export(upload, by=request.user)
        return _render_preview(request, art, upload, preview, MappingForm(art=art, preview=preview))

    # The form's fields come from the file read with the columns sent (the team values depend on them).
    header = jira_import.read_header(upload.text)
    base = jira_import.remembered_mapping(art)
    for name in ("team_column", "points_column"):
        value = request.POST.get(name, "")
        if value == "" or value in header.choosable:
            setattr(base, name, value)
    shaped = services.preview_jira_export(upload, by=request.user, mapping=base)
    form = MappingForm(request.POST, art=art, preview=shaped)
    if not form.is_valid():
        return _render_preview(request, art, upload, shaped, form, status=UNPROCESSABLE)
    try:
        mapping = jira_import.clean_mapping(form.mapping_json(), art=art, header=header)
    except jira_import.MappingError as error:
        return _render_preview(request, art, upload, shaped, form, mapping_errors=error.messages)
    if "confirm" not in request.POST:
        preview = services.preview_jira_export(upload, by=request.user, mapping=mapping)
        return _render_preview(request, art, upload, preview, MappingForm(art=art, preview=preview))
    try:
        outcome = services.import_jira_export(upload, by=request.user, mapping=mapping)
    except jira_import.ImportRefused as refusal:
        return _render_preview(request, art, upload, refusal.preview, MappingForm(art=art, preview=refusal.preview))
    counts = outcome.counts
    messages.success(
        request,
        f"Imported from Jira: {counts['features_new']} new and {counts['features_changed']} changed features, "
        f"{counts['stories_new']} new and {counts['stories_changed']} changed stories; "
        f"{outcome.dependencies} blocking link{'s' if outcome.dependencies != 1 else ''} between teams followed "
        "as dependencies.",
    )
    return redirect(reverse("backlog", kwargs={"art_slug": art.slug}))
