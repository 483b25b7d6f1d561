"""The coach on save, without JavaScript: words about to reach another person are held
back once when the coach has something to say that their writer has not seen yet.

The view shows its form again with the words as typed and the flags under them (the
CoachedTextarea renders both); sending it again saves it as it is. A flag is advice and
never a refusal: nothing is saved while the form is held, and nothing typed is lost.
"""

from collections.abc import Iterable

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from alliance.feedback.coach import ABSOLUTE, BLAME, review
from alliance.feedback.forms import SeenForm, text_fingerprint

# Only these hold words back: a missing "I" or a hard first sentence in a short practical
# note ("Could we make it 10?") is advice to read as you type, not a reason to stop a save.
HOLDING_KINDS = {BLAME, ABSOLUTE}


def _may_land_badly(text: str) -> bool:
    return any(flag.kind in HOLDING_KINDS for flag in review(text))


def coach_holds(request: HttpRequest, *texts: str, offered: Iterable[str] = ()) -> bool:
    """Whether to show the form again instead of saving ``texts``.

    Held when the coach finds blame or an absolute in one of them and its writer has not
    been shown those flags:
    neither as they typed (coach.js posts the fingerprint of the text it reviewed) nor
    on the page they sent (the textarea renders its text's fingerprint with its flags).
    ``offered`` are texts the product suggested, such as a default groundwork: not the
    writer's words, so they are not held. Says so on the page when it holds.
    """
    seen = SeenForm(request.POST).fingerprints() | {text_fingerprint(t) for t in offered}
    held = any(
        text.strip() and text_fingerprint(text) not in seen and _may_land_badly(text)
        for text in texts
    )
    if held:
        messages.info(
            request,
            _(
                "Nothing is saved yet: the feedback coach has a suggestion under your words. "
                "Change them, or send them again as they are."
            ),
        )
    return held
