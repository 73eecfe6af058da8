"""Role checks for views. Anonymous users go to the login page; the wrong role gets 403."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def _role_required(allowed: Callable[[object], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


student_required = _role_required(lambda user: user.is_student)
teacher_required = _role_required(lambda user: user.is_teacher)
staff_required = _role_required(lambda user: user.is_staff)
