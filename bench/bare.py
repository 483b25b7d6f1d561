"""The yardstick for `bench/run.py`: Django with nothing of Alliance, one view answering a
few bytes, served by gunicorn like Alliance. A page's throughput is reported as a share of
this one's, measured in the same run on the same machine.

    gunicorn bench.bare:application
"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="bench-only",
    MIDDLEWARE=[],
)
urlpatterns = [path("", hello)]
application = get_wsgi_application()
