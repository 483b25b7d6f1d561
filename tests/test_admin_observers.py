"""The operators' admin keeps working on an alliance that has an observer: its inline of
the people in it lists observers, and saving the alliance keeps them as they were."""

import re
from html.parser import HTMLParser

from django.test import Client

from alliance.accounts.models import User
from alliance.alliances.models import Alliance, Party
from tests.factories import join, make_user


class _FormValues(HTMLParser):
    """What a browser would send back from the page's form, unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.values[name] = a.get("value", "on" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data.removeprefix("\n")


def test_an_operator_saves_an_alliance_that_has_an_observer(cast):
    sam = make_user("Sam", "sam@example.org")
    join(cast.alliance, sam, role="sponsor", as_observer=True)
    root = User.objects.create_superuser("root@example.org", "a-long-test-password-9")
    operator = Client()
    operator.force_login(root)
    url = f"/admin/alliances/alliance/{cast.alliance.pk}/change/"
    page = operator.get(url)
    assert page.status_code == 200
    form = _FormValues()
    form.feed(page.content.decode())
    data = {**form.values, "purpose": "Ben's leadership, with Sam's support."}
    response = operator.post(url, data)
    assert response.status_code == 302, re.findall(
        r"errorlist[^>]*>.{0,300}", response.content.decode()
    )
    cast.alliance.refresh_from_db()
    assert cast.alliance.purpose == "Ben's leadership, with Sam's support."
    observer = Party.present.get(alliance=cast.alliance, user=sam)
    assert observer.is_observer
    assert Alliance.objects.get(pk=cast.alliance.pk).parties.count() == 2
