import hashlib
from collections.abc import Iterable
from typing import Any

from django import forms
from django.urls import reverse_lazy

from alliance.feedback.coach import review

# Posted beside a coached text: the fingerprints of the texts whose flags the writer has
# been shown, so that the coach holds a text back once at most (see alliance.feedback.hold).
SEEN_NAME = "coach_seen"


class ReviewForm(forms.Form):
    # Far more than a reflection holds (5,000), and a bound on the work one request asks.
    text = forms.CharField(required=False, strip=False, max_length=20_000)


class SeenForm(forms.Form):
    """The fingerprints a coached form sends back; anything else in them is ignored."""

    coach_seen = forms.Field(required=False, widget=forms.MultipleHiddenInput)

    def fingerprints(self) -> set[str]:
        seen = self.cleaned_data.get(SEEN_NAME) if self.is_valid() else None
        return {str(value) for value in seen or ()}


def text_fingerprint(text: str) -> str:
    """A short fingerprint of ``text`` as the coach reads it: a form posts line ends as
    CRLF and a script as LF, and a form field strips the edges, so neither counts."""
    normal = text.replace("\r\n", "\n").strip()
    return hashlib.sha256(normal.encode()).hexdigest()[:20]


class CoachedTextarea(forms.Textarea):
    """A textarea the feedback coach reads, for words that reach another person.

    Rendered, it carries the coach's flags for the text in it and, hidden, that text's
    fingerprint: the writer has now seen them. coach.js (``data-feedback-coach``) keeps
    both up to date as the person types.
    """

    template_name = "feedback/coached_textarea.html"
    # Fingerprints of the texts the form offered (OfferingForm): the coach is quiet on them.
    offered: frozenset[str] = frozenset()

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"data-feedback-coach": reverse_lazy("feedback_review"), **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        text = str(context["widget"]["value"] or "")
        shown = text.strip() and text_fingerprint(text) not in self.offered
        context["flags"] = review(text) if shown else []
        context["seen"] = text_fingerprint(text) if shown else ""
        context["seen_name"] = SEEN_NAME
        return context


class OfferingForm(forms.Form):
    """A form whose coached boxes may hold words the writer did not write: a default
    groundwork (``offered``), a note someone else wrote (the initial value). The coach
    speaks to the writer only, so it is quiet about those texts, and the view passes
    ``form.offered`` to ``coach_holds`` so that sending them unchanged is not held."""

    def __init__(self, *args: Any, offered: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        coached = {n: f for n, f in self.fields.items() if isinstance(f.widget, CoachedTextarea)}
        initial = [self.get_initial_for_field(field, name) for name, field in coached.items()]
        self.offered = [*offered, *(str(text) for text in initial if text)]
        fingerprints = frozenset(text_fingerprint(text) for text in self.offered)
        for field in coached.values():
            field.widget.offered = fingerprints
