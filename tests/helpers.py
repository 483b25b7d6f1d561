"""Small helpers shared by tests that act as a person would."""

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.core import mail
from django.db import connections
from django.test import Client
from pypdf import PdfReader

from alliance.record.triggers import GUARDED
from alliance.record.triggers import install as install_record_triggers

LINK = re.compile(r"https?://[^\s\"'<>]+")


def links_in_last_mail(to: str) -> list[str]:
    messages = [m for m in mail.outbox if to in m.to]
    assert messages, f"no email to {to}; outbox has {[m.to for m in mail.outbox]}"
    return LINK.findall(messages[-1].body)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def sign_up(client: Client, email: str, name: str, next_url: str = "") -> None:
    """Sign up through allauth's form and, when asked to, confirm the address from the email
    (an invitee signing up with the address their invitation link was mailed to is not)."""
    url = "/accounts/signup/" + (f"?next={next_url}" if next_url else "")
    response = client.post(
        url,
        {
            "email": email,
            "display_name": name,
            "time_zone": "Europe/Berlin",
            "password1": "correct horse battery 77",
            "password2": "correct horse battery 77",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    if response["Location"] != "/accounts/confirm-email/":
        return
    confirm = next(link for link in links_in_last_mail(email) if "confirm-email" in link)
    response = client.post(path_of(confirm))
    assert response.status_code == 302


def page_text(response) -> str:
    """The visible words of a page, whitespace collapsed, for assertions."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    import html as html_lib

    return " ".join(html_lib.unescape(text).split())


def file_text(name: str, content: bytes) -> str:
    """What a file says: a PDF's extracted text and its attached data, any other file
    as the UTF-8 text it is."""
    if not name.endswith(".pdf"):
        return content.decode()
    reader = PdfReader(io.BytesIO(content))
    attached = [data.decode() for files in reader.attachments.values() for data in files]
    return "\n".join([*(page.extract_text() for page in reader.pages), *attached])


@contextmanager
def past_the_record_triggers(using: str = "default") -> Iterator[None]:
    """Write to versions and history as someone with the database's own keys would (who can
    drop the triggers): to prove that what the triggers cannot stop is still detected."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for table in GUARDED:
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    try:
        yield
    finally:
        install_record_triggers(using)
