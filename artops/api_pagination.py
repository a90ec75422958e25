"""The pagination of every list of the API (``DEFAULT_PAGINATION_CLASS``).

Its own module, importing nothing of the views: DRF reads the setting while its generic views
are being defined, so the module that names the class must not import them.
"""

from __future__ import annotations

from django.core.paginator import InvalidPage
from rest_framework import exceptions, pagination

from artops.parsing import BIGINT_MAX, BadNumber, parse_int


class Pagination(pagination.PageNumberPagination):
    """Every list of the API, 50 rows a page (``?page=2``): a page that is not one is refused, never guessed.

    ``?page=`` is a whole number from 1, in ASCII digits ("abc", "0", "²", 5,000 digits answer
    400 with the reason); a page past the last one answers 404, saying how many pages there are.
    No ``?page=`` (or an empty one) is the first page.
    """

    last_page_strings = ()

    def get_page_number(self, request, paginator) -> int:
        value = request.query_params.get(self.page_query_param, "")
        if value == "":
            return 1
        try:
            return parse_int(value, name=self.page_query_param, minimum=1, maximum=BIGINT_MAX)
        except BadNumber as error:
            raise exceptions.ValidationError({self.page_query_param: [error.reason]}) from None

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        paginator = self.django_paginator_class(queryset, page_size)
        number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(number)
        except InvalidPage:
            pages = paginator.num_pages
            raise exceptions.NotFound(
                f"There is no page {number}: this list has {pages} page{'s' if pages != 1 else ''}."
            ) from None
        # The browsable API shows its page links.
        self.display_page_controls = paginator.num_pages > 1 and self.template is not None
        return list(self.page)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX}
                parameter["description"] = "A page of the list, from 1 (400 when it is not a number, 404 past the end)."
        return parameters
