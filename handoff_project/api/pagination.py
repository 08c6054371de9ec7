"""Pagination of the API lists: `limit` and `offset`, checked instead of silently replaced.

DRF's LimitOffsetPagination falls back to its defaults when `limit` or `offset` is not a number, negative or empty,
and passes any offset on to the database (one beyond PostgreSQL's bigint is a server error). Here a value that is
not a whole number in range is a 400 that says so, and the schema states the ranges.
"""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1


class CheckedLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = MAX_LIMIT

    def get_limit(self, request):
        return self._whole_number(request, self.limit_query_param, low=1, high=MAX_LIMIT, default=self.default_limit)

    def get_offset(self, request):
        return self._whole_number(request, self.offset_query_param, low=0, high=MAX_OFFSET, default=0)

    @staticmethod
    def _whole_number(request, name: str, *, low: int, high: int, default: int) -> int:
        if name not in request.query_params:
            return default
        raw = request.query_params[name]
        if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            raise ValidationError({name: [f"{name} must be a whole number from {low} to {high}; got {raw[:40]!r}."]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        ranges = {self.limit_query_param: (1, MAX_LIMIT), self.offset_query_param: (0, MAX_OFFSET)}
        for parameter in parameters:
            low, high = ranges[parameter["name"]]
            parameter["schema"] = {**parameter["schema"], "minimum": low, "maximum": high}
        return parameters
