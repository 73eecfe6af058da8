"""Admin change lists that answer a date filter out of range (`?started_at__year=99999`, or
December 9999, whose next month does not exist) as any other bad filter, not with a 500.

Django's ChangeList turns a ValueError in a date-hierarchy filter into "bad parameters" but
lets an OverflowError escape."""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class BoundedDatesChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


class BoundedDatesAdmin:
    """A ModelAdmin mixin for models with a date_hierarchy."""

    def get_changelist(self, request, **kwargs) -> type[ChangeList]:
        return BoundedDatesChangeList
