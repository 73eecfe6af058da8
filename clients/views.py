from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import student_required, teacher_required
from clients.models import ClientProfile


@teacher_required
def teacher_home(request: HttpRequest) -> HttpResponse:
    clients = ClientProfile.objects.filter(owner=request.user).order_by("name")
    return render(request, "clients/teacher_home.html", {"clients": clients})


@student_required
def gallery(request: HttpRequest) -> HttpResponse:
    clients = ClientProfile.objects.filter(is_published=True).order_by("name")
    return render(request, "clients/gallery.html", {"clients": clients})
