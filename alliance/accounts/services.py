from alliance.accounts.models import User


def profile_update(*, user: User, display_name: str, time_zone: str) -> User:
    """Change how others see `user` and the zone their times are shown in."""
    user.display_name = " ".join(display_name.split())
    user.time_zone = time_zone
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=["display_name", "time_zone"])
    return user
