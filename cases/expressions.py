"""A one-column subquery as a Python list, inside the outer query, on both databases.

The case page and the tracking page read a case's areas, forms, meetings and linked visits in
the case's own query. django.contrib.postgres' ArraySubquery does that on PostgreSQL only; the
embedded default (`make run` without configuration) runs on SQLite, where the same subquery is
folded with json_group_array.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.db.models import Subquery


class _ListField(models.Field):
    """What a ListSubquery gives: a list (PostgreSQL: an array; SQLite: one JSON text)."""

    def __init__(self, *, json_items: bool) -> None:
        self.json_items = json_items
        super().__init__()

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, str):
            return json.loads(value)
        if self.json_items:
            return [json.loads(item) if isinstance(item, str) else item for item in value]
        return list(value)


class ListSubquery(Subquery):
    """The rows of a one-column subquery, in its order, as a list. `json_items`: the column
    is a JSON value (e.g. a JSONObject), read back as dicts."""

    def __init__(self, queryset: Any, *, json_items: bool = False) -> None:
        super().__init__(queryset, output_field=_ListField(json_items=json_items))
        self.json_items = json_items

    def as_sql(self, compiler, connection, template=None, **extra_context):
        return super().as_sql(compiler, connection, "ARRAY(%(subquery)s)", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        query = self.query
        if query.annotation_select:
            column = next(iter(query.annotation_select))
        else:
            column = query.model._meta.get_field(query.values_select[0]).column
        item = connection.ops.quote_name(column)
        if self.json_items:
            item = f"json({item})"
        # json(...) marks the text as JSON, so a JSONObject around it nests the array.
        template = f"json((SELECT json_group_array({item}) FROM (%(subquery)s)))"
        return Subquery.as_sql(self, compiler, connection, template, **extra_context)
