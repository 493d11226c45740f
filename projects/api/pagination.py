"""Lists page with opaque cursors: stable while rows are added, and constant in cost however
deep one pages (no OFFSET)."""

from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class OldestFirst(NewestFirst):
    ordering = "pk"
