"""The feedback coach through the API: the flags the conversation page shows as you type."""

from django.http import HttpRequest
from ninja import Field, Router, Schema

from alliance.api.access import answers
from alliance.feedback.coach import KINDS, review
from alliance.feedback.forms import text_fingerprint

router = Router(tags=["feedback"])


class FeedbackReviewIn(Schema):
    # Far more than a reflection holds (5,000), and a bound on the work one request asks.
    text: str = Field(max_length=20_000)


class FeedbackFlagOut(Schema):
    kind: str = Field(json_schema_extra={"enum": list(KINDS)})
    label: str
    words: list[str] = Field(description="Quoted exactly as written.")
    suggestion: str
    explanation: str


class FeedbackReviewOut(Schema):
    flags: list[FeedbackFlagOut]
    seen: str = Field(description="A fingerprint of the text as the coach read it.")


@router.post(
    "/feedback/review",
    response=FeedbackReviewOut,
    summary="Feedback on a text",
    openapi_extra=answers("own"),
)
def feedback_review(request: HttpRequest, payload: FeedbackReviewIn) -> FeedbackReviewOut:
    """What the feedback coach notices in `text` before it reaches another person:
    "you"-statements and blame, absolutes ("always", "never"), no "I" at all, a hard
    opening; each with a suggestion. Advice, never a refusal: nothing is stored, and the
    API holds nothing back for it."""
    return FeedbackReviewOut(
        flags=[FeedbackFlagOut(**flag.as_dict()) for flag in review(payload.text)],  # type: ignore[arg-type]
        seen=text_fingerprint(payload.text),
    )
