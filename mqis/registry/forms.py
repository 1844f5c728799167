from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile


class CqcImportForm(forms.Form):
    file = forms.FileField(
        label="CQC file",
        help_text=(
            "CQC's adult social care locations extract, its care directory (CSV), the care "
            "directory with filters (CSV or .xlsx) or API location JSON."
        ),
        error_messages={"required": "Select a CQC file to import"},
    )
    dry_run = forms.BooleanField(
        required=False,
        label="Dry run: check the file and show what would change, without saving anything",
    )
    partial = forms.BooleanField(
        required=False,
        label="This is not a full extract: do not mark locations missing from it as gone",
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        limit_mb = settings.MQIS_MAX_UPLOAD_MB
        if upload.size > limit_mb * 1024 * 1024:
            raise forms.ValidationError(
                f"The file must be smaller than {limit_mb} MB. CQC's full files are smaller "
                "than this: check this is the right file."
            )
        if upload.size == 0:
            raise forms.ValidationError("The selected file is empty")
        return upload
