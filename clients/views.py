import uuid
from datetime import date

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from accounts.decorators import teacher_required
from clients.cards import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_CARDS,
    CardError,
    card_from_client,
    cards_from_file,
)
from clients.forms import ADD_DISCLOSURE, ClientForm, ClientListForm
from clients.models import ClientProfile
from clients.selectors import SORTS, teacher_client_counts, teacher_client_or_404
from clients.services import (
    ImportNeedsChoice,
    OnExisting,
    client_create,
    client_duplicate,
    client_set_archived,
    client_set_published,
    client_update,
    clients_import,
)
from sessions_app.selectors import teacher_clients


@teacher_required
def teacher_home(request: HttpRequest) -> HttpResponse:
    """The teacher's clients: searchable, sortable; archived ones on a list of their own."""
    form = ClientListForm(request.GET or None)
    options = form.cleaned_data if form.is_valid() else {}
    archived = bool(options.get("archived"))
    clients = teacher_clients(
        owner=request.user,
        search=options.get("q", ""),
        sort=options.get("sort") or SORTS[0][0],
        archived=archived,
    )
    context = {
        "clients": clients,
        "form": form,
        "archived": archived,
        "searching": bool(options.get("q")),
        "counts": teacher_client_counts(owner=request.user),
    }
    return render(request, "clients/teacher_home.html", context)


# --- Writing clients ----------------------------------------------------------------------------


@teacher_required
def client_new(request: HttpRequest) -> HttpResponse:
    form = _client_form(request)
    if request.method == "POST" and form.is_bound and form.is_valid():
        client = client_create(owner=request.user, card=form.card)
        messages.success(request, f"{client.name} was saved as a draft. Preview it, then publish.")
        return redirect("conversations:preview", client_id=client.id)
    return render(request, "clients/client_form.html", {"form": form, "client": None})


@teacher_required
def client_edit(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client = teacher_client_or_404(teacher=request.user, client_id=client_id)
    form = _client_form(request, initial=ClientForm.initial_from_card(card_from_client(client)))
    if request.method == "POST" and form.is_bound and form.is_valid():
        client_update(client=client, card=form.card)
        messages.success(request, f"{client.name} was saved.")
        return redirect("clients:teacher_home")
    return render(request, "clients/client_form.html", {"form": form, "client": client})


def _client_form(request: HttpRequest, *, initial: dict | None = None) -> ClientForm:
    """The form bound to what was posted; "Add a disclosure" gives it back unchecked, a row more."""
    if request.method == "POST" and ADD_DISCLOSURE in request.POST:
        return ClientForm.with_another_disclosure(request.POST)
    return ClientForm(request.POST or None, initial=initial)


@require_POST
@teacher_required
def client_publish(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client = client_set_published(
        client=teacher_client_or_404(teacher=request.user, client_id=client_id), published=True
    )
    messages.success(request, f"{client.name} is published: students can practise with them.")
    return redirect("clients:teacher_home")


@require_POST
@teacher_required
def client_unpublish(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client = client_set_published(
        client=teacher_client_or_404(teacher=request.user, client_id=client_id), published=False
    )
    messages.success(request, f"{client.name} is a draft again: students no longer see them.")
    return redirect("clients:teacher_home")


@require_POST
@teacher_required
def client_archive(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client = client_set_archived(
        client=teacher_client_or_404(teacher=request.user, client_id=client_id), archived=True
    )
    messages.success(
        request,
        f"{client.name} is archived: students no longer see them; their sessions are kept. "
        "Find them under Archived.",
    )
    return redirect("clients:teacher_home")


@require_POST
@teacher_required
def client_unarchive(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client = client_set_archived(
        client=teacher_client_or_404(teacher=request.user, client_id=client_id), archived=False
    )
    state = "published: students see them again" if client.is_published else "a draft"
    messages.success(request, f"{client.name} is back on your list, {state}.")
    return redirect("clients:teacher_home")


@require_POST
@teacher_required
def client_copy(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    copy = client_duplicate(
        client=teacher_client_or_404(teacher=request.user, client_id=client_id), owner=request.user
    )
    messages.success(request, f"{copy.name} was created as a draft.")
    return redirect("clients:edit", client_id=copy.id)


# --- Cards in and out ---------------------------------------------------------------------------


def _card_download(data: object, filename: str) -> JsonResponse:
    response = JsonResponse(
        data, safe=False, json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@teacher_required
def client_export(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    client = teacher_client_or_404(teacher=request.user, client_id=client_id)
    slug = slugify(client.name) or "client"
    return _card_download(card_from_client(client), f"{slug}-card.json")


@teacher_required
def clients_export(request: HttpRequest) -> HttpResponse:
    cards = [
        card_from_client(client)
        for client in ClientProfile.objects.filter(owner=request.user).order_by("name")
    ]
    return _card_download(cards, f"rapport-clients-{date.today():%Y-%m-%d}.json")


@teacher_required
@ratelimit(key="user", rate="20/m", method="POST")
def clients_import_page(request: HttpRequest) -> HttpResponse:
    error, clashes = "", False
    on_existing = request.POST.get("on_existing") or None
    if request.method == "POST":
        try:
            cards = _cards_from_upload(request.FILES.get("cards"))
            result = clients_import(cards=cards, owner=request.user, on_existing=on_existing)
        except CardError as refused:
            error = str(refused)
        except ImportNeedsChoice as refused:
            error, clashes = f"{refused} Choose below, then choose the file again.", True
        else:
            messages.success(request, result.summary())
            return redirect("clients:teacher_home")
    context = {
        "error": error,
        "clashes": clashes,
        "choices": OnExisting.choices,
        "chosen": on_existing,
        "max_cards": IMPORT_MAX_CARDS,
        "max_megabytes": IMPORT_MAX_BYTES // 1_000_000,
    }
    return render(request, "clients/import.html", context, status=400 if error else 200)


def _cards_from_upload(upload: UploadedFile | None) -> list[dict]:
    """The validated cards of an uploaded file, or CardError saying plainly what is wrong."""
    if upload is None:
        raise CardError("Choose a JSON file of client cards to import.")
    return cards_from_file(upload.size, upload.read, source=upload.name)
