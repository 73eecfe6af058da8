"""Signal receivers: only the hand-over to accounts.sockets (which holds the logic)."""

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import User
from accounts.sockets import login_sockets_close, user_sockets_close


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
