# Kept apart from core.api.viewsets: DRF imports settings-named classes while it is still
# loading its own modules, so this file must not import rest_framework.viewsets.
from rest_framework import pagination


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
