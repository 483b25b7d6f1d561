from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from alliance.feedback.coach import review
from alliance.feedback.forms import ReviewForm, text_fingerprint


@login_required
@require_POST
def review_text(request: HttpRequest) -> JsonResponse:
    """As-you-type feedback: the coach's flags for the posted ``text``, as JSON.

    Reads nothing but the request and stores nothing, so it needs no alliance; login is
    required only to keep the endpoint from serving the open internet. POST (with CSRF)
    keeps reflections out of URLs and access logs. ``seen`` is the text's fingerprint:
    the script posts it with the form, so that the coach does not hold back on save
    (alliance.feedback.hold) words whose flags the writer has already been shown.
    """
    form = ReviewForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for errors in form.errors.values() for e in errors]
        return JsonResponse({"flags": [], "errors": errors}, status=400)
    text = form.cleaned_data["text"]
    return JsonResponse(
        {"flags": [flag.as_dict() for flag in review(text)], "seen": text_fingerprint(text)}
    )
