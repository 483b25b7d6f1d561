"""Small helpers shared by the views of every stage."""

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

if TYPE_CHECKING:
    from alliance.alliances.models import Party

T = TypeVar("T")


def flash_errors(request: HttpRequest, problem: ValidationError | forms.Form) -> None:
    """Show a refused change's reasons as messages on the page the person returns to."""
    if isinstance(problem, forms.Form):
        texts = [str(text) for errors in problem.errors.values() for text in errors]
    else:
        texts = list(problem.messages)
    for text in texts:
        messages.error(request, text)


def attempt(request: HttpRequest, action: Callable[[], T], success: str) -> T | None:
    """Run a service call for a form that posts and returns: on success say `success`,
    on a refusal show its reasons. Returns the call's result, or None when refused."""
    try:
        result = action()
    except ValidationError as error:
        flash_errors(request, error)
        return None
    messages.success(request, success)
    return result


def back_to_alliance(party: "Party", anchor: str = "") -> HttpResponse:
    """Redirect to the party's alliance page, scrolled to `anchor` (e.g. `term-12`)."""
    response = redirect("alliance_detail", alliance_id=party.alliance_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response
