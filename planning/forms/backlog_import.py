"""Forms of the backlog import: the CSV file to preview, and its text sent back to be saved."""

from __future__ import annotations

from django import forms

from planning import imports


class UploadForm(forms.Form):
    """The CSV file to preview."""

    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8, a header row, at most {imports.MAX_BYTES // 1_000_000} MB and {imports.MAX_ROWS} rows.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class ConfirmForm(forms.Form):
    """The previewed file's text, sent back to be validated again and saved."""

    # Whitespace is data in a CSV file: keep it as sent.
    csv_text = forms.CharField(widget=forms.HiddenInput, strip=False)
