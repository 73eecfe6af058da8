from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from accounts.services import user_set_password_path


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "role", "is_staff", "is_active", "last_login")
    list_filter = ("role", "is_staff", "is_active")
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Rapport", {"fields": ("role",)}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Rapport", {"fields": ("role",)}))
    actions = ["issue_set_password_links"]

    @admin.action(description="Issue one-time set-password links")
    def issue_set_password_links(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            link = request.build_absolute_uri(user_set_password_path(user=user))
            messages.info(request, f"{user.username}: {link}")
