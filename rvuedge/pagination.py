from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination


class FirstPageCountPaginator(Paginator):
    """Asks the first page for one row more than it shows: when that row is missing, the page's
    length is the count, and the COUNT query (as slow as the search itself) is not sent."""

    def page(self, number):
        if str(number) != "1":
            return super().page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.__dict__["count"] = len(rows)  # Paginator.count is a cached_property
        return self._get_page(rows[: self.per_page], 1, self)


class StandardPagination(PageNumberPagination):
    django_paginator_class = FirstPageCountPaginator
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
