"""Django's file email backend, writing files only their owner can read.

The embedded mode writes mail to the data directory instead of sending it, and that mail
holds sign-in, reset and invitation links: the directory is made 0700, each file 0600.
"""

import os
from typing import Any

from django.conf import settings
from django.core.mail.backends import filebased


class EmailBackend(filebased.EmailBackend):
    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        path = file_path or getattr(settings, "EMAIL_FILE_PATH", None)
        if path:
            os.makedirs(os.path.abspath(path), mode=0o700, exist_ok=True)
        super().__init__(*args, file_path=file_path, **kwargs)

    def open(self) -> bool:
        if self.stream is None:
            descriptor = os.open(
                self._get_filename(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
            )
            self.stream = os.fdopen(descriptor, "ab")
            return True
        return False
