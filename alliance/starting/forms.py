from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliance.alliances.forms import AllianceForm
from alliance.starting.content import FILE_SIZE_LIMIT, NAME_LIMIT


class StartForm(AllianceForm):
    """The new-alliance form, with the template to start from."""

    template = forms.ChoiceField(label=_("Start from"))
    field_order = ["template", "title", "kind", "purpose", "role_label"]

    def __init__(self, *args: object, choices: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        template = self.fields["template"]
        assert isinstance(template, forms.ChoiceField)
        template.choices = [(group, options) for group, options in choices if options]


class TemplateNameForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=NAME_LIMIT)


class TemplateImportForm(forms.Form):
    file = forms.FileField(
        label=_("Template file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["file"].help_text = gettext(
            "A .json file exported from Alliance, up to %(size)d KB."
        ) % {"size": FILE_SIZE_LIMIT // 1024}
