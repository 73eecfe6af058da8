"""Signal receivers: hand-overs to accounts.login_limits and accounts.sockets (the logic)."""

from typing import Any

from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.login_limits import login_failure_record
from accounts.models import User
from accounts.sockets import login_sockets_close, user_sockets_close


@receiver(user_login_failed)
def count_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Every failed password check counts, whichever login form made it (site or admin)."""
    if request is None:  # Client.login() in tests, or a script: no address to count against
        return
    login_failure_record(request, str(credentials.get("username") or ""))


@receiver(user_logged_out)
def close_sockets_on_logout(sender, request, user, **kwargs) -> None:
    if request is not None and request.session.session_key:
        login_sockets_close(session_key=request.session.session_key)


@receiver(post_save, sender=User)
def close_sockets_when_deactivated(sender, instance: User, **kwargs) -> None:
    if not instance.is_active:
        user_sockets_close(user_id=instance.pk)


@receiver(post_delete, sender=User)
def close_sockets_when_deleted(sender, instance: User, **kwargs) -> None:
    user_sockets_close(user_id=instance.pk)
