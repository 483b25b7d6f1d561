"""Ana at her desk and Ben on his phone, signed in, as the browser journeys start."""

from typing import Any

from tests.factories import PASSWORD


def log_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def ana_and_ben(browser: Any, base: str) -> tuple[Any, Any]:
    """Two pages signed in as ana@example.org (a desktop) and ben@example.org (a phone)."""
    ana = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    ben = browser.new_context(viewport={"width": 414, "height": 860}).new_page()
    for page, email in ((ana, "ana@example.org"), (ben, "ben@example.org")):
        page.set_default_timeout(10_000)
        log_in(page, base, email)
    return ana, ben
