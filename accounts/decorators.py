"""Role checks for views, sync or async. Anonymous users go to the login page; the wrong role
gets 403."""

from collections.abc import Callable
from functools import wraps

from asgiref.sync import iscoroutinefunction
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def _role_required(allowed: Callable[[object], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        # An async view must stay a coroutine function, or Django would run it in a thread.
        guard = _async_guard if iscoroutinefunction(view) else _guard
        return login_required(guard(view, allowed))

    return decorator


def _guard(view: View, allowed: Callable[[object], bool]) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not allowed(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _async_guard(view: View, allowed: Callable[[object], bool]) -> View:
    @wraps(view)
    async def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # request.user would load the user synchronously, which an event loop refuses.
        if not allowed(await request.auser()):
            raise PermissionDenied
        return await view(request, *args, **kwargs)

    return wrapped


student_required = _role_required(lambda user: user.is_student)
teacher_required = _role_required(lambda user: user.is_teacher)
staff_required = _role_required(lambda user: user.is_staff)
