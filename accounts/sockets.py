"""Closing a person's open sockets when they log out or lose their account.

Every socket joins two channel-layer groups: one for its login session (logging out closes the
sockets opened with that login, not those on another device) and one for the user (deactivation
or deletion closes them all). The layer carries the close to every process.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

CLOSE_SIGNED_OUT = 4401
SIGNED_OUT_EVENT = "user.signed_out"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def login_group(session_key: str) -> str:
    return f"login.{session_key}"


def _close_group(group: str) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, {"type": SIGNED_OUT_EVENT})


def user_sockets_close(*, user_id: int) -> None:
    """Close every socket the user has open, in every process."""
    _close_group(user_group(user_id))


def login_sockets_close(*, session_key: str) -> None:
    """Close the sockets opened with one login session (the one logging out)."""
    _close_group(login_group(session_key))


class ClosedOnSignOut:
    """For a consumer: join the groups once the user is known; close when told to."""

    sign_out_groups: tuple[str, ...] = ()

    async def join_sign_out_groups(self) -> None:
        session = self.scope.get("session")
        groups = [user_group(self.scope["user"].pk)]
        if session is not None and session.session_key:
            groups.append(login_group(session.session_key))
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.sign_out_groups = tuple(groups)

    async def leave_sign_out_groups(self) -> None:
        for group in self.sign_out_groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def user_signed_out(self, message: dict) -> None:
        await self.close(code=CLOSE_SIGNED_OUT)
