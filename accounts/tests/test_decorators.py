"""The role decorators guard sync and async views alike."""

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import AsyncRequestFactory, RequestFactory

from accounts.decorators import teacher_required


@teacher_required
async def async_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("teachers only")


@teacher_required
def sync_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("teachers only")


def _async_request(user) -> HttpRequest:
    request = AsyncRequestFactory().get("/page/")

    async def auser():
        return user

    request.auser = auser
    return request


def test_an_async_view_behind_the_decorator_stays_async():
    assert iscoroutinefunction(async_page)
    assert not iscoroutinefunction(sync_page)


def test_an_async_view_refuses_a_student_with_403(student):
    with pytest.raises(PermissionDenied):
        async_to_sync(async_page)(_async_request(student))


def test_an_async_view_opens_for_a_teacher(teacher):
    response = async_to_sync(async_page)(_async_request(teacher))
    assert response.content == b"teachers only"


def test_an_async_view_sends_an_anonymous_visitor_to_log_in(db):
    response = async_to_sync(async_page)(_async_request(AnonymousUser()))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_sync_view_still_refuses_a_student_with_403(student):
    request = RequestFactory().get("/page/")
    request.user = student
    with pytest.raises(PermissionDenied):
        sync_page(request)
