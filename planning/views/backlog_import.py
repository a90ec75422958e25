"""Importing features into the ART backlog from a CSV file: upload, preview, confirm.

Stateless: the preview page carries the file's text in its confirm form, and the confirm
request validates that text again (never trusting the preview), then saves every row or none.
A file or row error answers 422 with the preview and its errors; nothing is saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from artops.models import ART
from artops.pages import UNPROCESSABLE
from artops.permissions import art_capability_required
from planning import imports
from planning.forms.backlog_import import ConfirmForm, UploadForm
from planning.models import Feature

NAV_SECTION = "backlog"

NOT_ALLOWED = "Only the Release Train Engineer, Product Management and System Architects import features."


def _preview_upload(request: HttpRequest, art: ART, upload) -> imports.ImportPreview:
    try:
        text = imports.read_upload(upload)
    except imports.CSVFileError as error:
        return imports.ImportPreview(errors=[str(error)])
    return imports.preview(text, art=art, by=request.user)


def _render(request: HttpRequest, art: ART, editable: set[str], **context) -> HttpResponse:
    preview: imports.ImportPreview | None = context.get("preview")
    status = UNPROCESSABLE if context.pop("invalid", False) else 200
    if preview is not None and not preview.is_valid:
        status = UNPROCESSABLE
    confirm_form = None
    if preview is not None and preview.is_valid:
        confirm_form = ConfirmForm(initial={"csv_text": preview.text})
    return render(
        request,
        "planning/backlog_import.html",
        {
            "art": art,
            "upload_form": context.get("upload_form") or UploadForm(),
            "preview": preview,
            "confirm_form": confirm_form,
            "columns": imports.COLUMNS,
            "ignored_columns": imports.IGNORED_COLUMNS,
            "enablers_only": editable == {Feature.Type.ENABLER},
        },
        status=status,
    )


@art_capability_required("art.view")
@require_http_methods(["GET", "POST"])
def backlog_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form and the column mapping. POST a file: the preview. POST csv_text: save."""
    art: ART = request.art
    editable = imports.editable_types(request.user, art)
    if not editable:
        raise PermissionDenied(NOT_ALLOWED)
    if request.method == "GET":
        return _render(request, art, editable)
    if "csv_text" in request.POST:
        return _confirm(request, art, editable)

    upload_form = UploadForm(request.POST, request.FILES)
    if not upload_form.is_valid():
        return _render(request, art, editable, upload_form=upload_form, invalid=True)
    preview = _preview_upload(request, art, upload_form.cleaned_data["file"])
    return _render(request, art, editable, preview=preview)


def _confirm(request: HttpRequest, art: ART, editable: set[str]) -> HttpResponse:
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        preview = imports.ImportPreview(errors=["The file's text did not come back with the form; upload it again."])
        return _render(request, art, editable, preview=preview)
    preview = imports.preview(form.cleaned_data["csv_text"], art=art, by=request.user)
    try:
        created = imports.save(preview, art=art, by=request.user)
    except imports.ImportRefused:
        return _render(request, art, editable, preview=preview)
    count = len(created)
    messages.success(request, f"{count} feature{'' if count == 1 else 's'} imported.")
    return redirect(reverse("backlog", kwargs={"art_slug": art.slug}))
