"""Queries of every page view, compiled once per process and run prepared (issue 18: throughput).

Building a queryset and compiling it costs Django more than the database spends answering a small indexed query;
a page that is otherwise served from the cache spends a good part of its time there. A `PreparedQuery` is built
from a function of one integer (a user's id): it is compiled once per database with a placeholder, then run with
each value through `items.selectors.prepared_cursor` (a prepared statement on PostgreSQL). The function must build
the same query for every value but that one — it is called once per database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import router
from django.db.models import QuerySet

from ducha.items.selectors import prepared_cursor


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    position: int  # of the placeholder among the parameters
    compiler: Any
    converters: dict[int, Any]


class PreparedQuery:
    _PLACEHOLDER = -(2**62) - 11  # a value no id has; replaced in the compiled parameters

    def __init__(self, build: Callable[[int], QuerySet[Any]]) -> None:
        self.build = build
        self._compiled: dict[str, _Compiled] = {}
        self._model: Any = None

    def _compile(self, queryset: QuerySet[Any], alias: str) -> _Compiled:
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        positions = [n for n, value in enumerate(params) if type(value) is int and value == self._PLACEHOLDER]
        if len(positions) != 1:
            raise RuntimeError(f"the placeholder appears {len(positions)} times in the query's parameters")
        converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
        return _Compiled(sql, tuple(params), positions[0], compiler, converters)

    def rows(self, value: int) -> list[tuple[Any, ...]]:
        """The query's rows for `value`, as tuples of the selected columns."""
        if self._model is None:
            self._model = self.build(self._PLACEHOLDER).model
        alias = router.db_for_read(self._model)
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = self._compile(self.build(self._PLACEHOLDER), alias)
        bound = list(compiled.params)
        bound[compiled.position] = value
        with prepared_cursor(alias) as cursor:
            cursor.execute(compiled.sql, bound)
            rows: Any = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return [tuple(row) for row in rows]
