from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from alliance.feedback.coach import review


@login_required
@require_POST
def review_text(request: HttpRequest) -> JsonResponse:
    """As-you-type feedback: the coach's flags for the posted ``text``, as JSON.

    Reads nothing but the request and stores nothing, so it needs no alliance; login is
    required only to keep the endpoint from serving the open internet. POST (with CSRF)
    keeps reflections out of URLs and access logs.
    """
    flags = review(request.POST.get("text", ""))
    return JsonResponse({"flags": [flag.as_dict() for flag in flags]})
