"""Small helpers shared by the views of every stage."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def flash_errors(request: HttpRequest, problem: ValidationError | forms.Form) -> None:
    """Show a refused change's reasons as messages on the page the person returns to."""
    if isinstance(problem, forms.Form):
        texts = [str(text) for errors in problem.errors.values() for text in errors]
    else:
        texts = list(problem.messages)
    for text in texts:
        messages.error(request, text)
