"""Static files under names that carry their content's hash, compressed ahead of time."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Once `collectstatic` ran (`alliance serve` runs it on every start), every
    `{% static %}` URL names the file by its hash, which whitenoise serves compressed and
    cacheable for a year. Before that (the tests, `manage.py runserver` in a checkout)
    there is no manifest, and the plain names are served straight from the package."""

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        return super().stored_name(name)
