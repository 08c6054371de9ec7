"""Forms of the accounts-payable pages: the multi-file upload and the confirmation of doubtful fields."""

from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(label="Invoice documents")


class ConfirmFieldsForm(forms.Form):
    """One text input per field to confirm, pre-filled with what was read."""

    def __init__(self, *args, fields_to_confirm=(), **kwargs):
        super().__init__(*args, **kwargs)
        for field in fields_to_confirm:
            self.fields[field.name] = forms.CharField(
                label=field.name.replace("_", " "), required=False, initial=field.value,
                help_text=f"read with confidence {field.confidence:.0%} ({field.source})")
