"""Validating and inserting thousands of rows, with their history, quickly.

A district's 部门预算项目绩效自评表 holds 2,000 projects with 10 indicators each.
Written through the ORM (model instances, `full_clean`, `bulk_create`, and
simple-history's `bulk_create_with_history`) the 44,000 rows took 15–20 s,
almost all of it Python: a model instance per row, and the SQL compiler
preparing each of the ~900,000 values one by one. The issue asks for the whole
import within 3× of `pandas.read_excel` reading the file (bench/import_bench).

So the import's services validate plain dicts and insert them here:

* `field_errors` runs each given value through its model field's `clean`
  (the same `to_python`, choices, `max_length`, decimal digits and
  validators as `full_clean`), skipping only free-text fields given a string,
  whose `clean` cannot fail. Foreign keys, uniqueness and check constraints
  are the caller's to check in Python (each costs a query per row in Django).
* `insert` builds one multi-row ``INSERT … RETURNING`` per batch, converting
  only the values whose database form differs from the Python one (JSON,
  dates), then has the database copy each new row into its "+" history
  record, with the columns simple-history's `bulk_history_create` writes;
* `delete` (a table being replaced) does the same with "-" records and one
  DELETE, instead of Django loading every row and sending a signal each.

The database constraints still hold: a row that got past the checks here and
breaks one fails the whole import inside its transaction.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection, models
from django.utils import timezone

BATCH_ROWS = 1000
# Fields whose cleaned Python value is what the database driver takes
# (Django's own get_db_prep_save returns these unchanged; a Decimal is
# adapted by the driver, as for Django's own queries).
_PASSTHROUGH = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DecimalField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def label(model: type[models.Model], name: str) -> str:
    """The field's Chinese verbose name, for messages."""
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


@cache
def _checks(model: type[models.Model], name: str) -> tuple[models.Field, bool, bool]:
    """The field, whether a string in it needs no check (free text: its
    `clean` cannot fail), and whether a blank value is skipped."""
    field = model._meta.get_field(name)
    free_text = (
        isinstance(field, models.TextField)
        and field.blank
        and not field.choices
        and not field.validators
    )
    return field, free_text, field.blank


def _blank(value: Any) -> bool:
    """`value in Field.empty_values` without comparing a Decimal to "" and []."""
    return value is None or (type(value) in (str, list, tuple, dict) and not value)


def field_errors(
    model: type[models.Model], values: dict[str, Any], memo: dict | None = None
) -> list[str]:
    """`full_clean`'s field messages for these values, "字段：问题" each.

    Cleaned values replace the given ones (as `clean_fields` does on an
    instance), so a decimal is stored as the field reads it. Given a `memo`
    (one dict for one import), a value already cleaned for the same field is
    not cleaned again: without an instance and for these non-relational
    fields, `clean` depends on the value alone (its type and its printed
    form: Decimal("1.00000") == Decimal("1") but only one has too many
    decimals), and an import repeats operators, units, orders and amounts.
    """
    errors = []
    for name, value in values.items():
        field, free_text, blank = _checks(model, name)
        if free_text and type(value) is str:
            continue
        if blank and _blank(value):
            continue  # clean_fields skips blank values of blank fields too
        key = (model, name, type(value), str(value)) if memo is not None else None
        if key is not None and key in memo:
            cleaned, problems = memo[key]
        else:
            try:
                cleaned, problems = field.clean(value, None), []
            except ValidationError as exc:
                cleaned = value
                problems = [f"{field.verbose_name}：{m}" for m in exc.messages]
            if key is not None:
                memo[key] = cleaned, problems
        values[name] = cleaned
        if problems:
            errors += problems
    return errors


def _converter(field: models.Field):
    """How a cleaned Python value becomes a query parameter (None: as is)."""
    if field.get_internal_type() in _PASSTHROUGH:
        return None
    return lambda value: field.get_db_prep_save(value, connection)


class _Table:
    """The columns of a model's INSERT, with defaults and converters."""

    def __init__(self, model: type[models.Model]):
        meta = model._meta
        self.model = model
        # The primary key is the database's to number.
        self.fields = [f for f in meta.concrete_fields if f is not meta.pk]
        self.pk = meta.pk
        # Rows name their values by attname (`project_id`, not `project`). A
        # callable default (JSON's dict) is made once: it is serialised per
        # row by its converter, so rows never share a mutable value.
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.pick = itemgetter(*[f.attname for f in self.fields])
        self.converters = [
            (i, convert)
            for i, convert in enumerate(_converter(f) for f in self.fields)
            if convert is not None
        ]
        quote = connection.ops.quote_name
        self.head = "INSERT INTO {} ({}) VALUES ".format(
            quote(meta.db_table), ", ".join(quote(f.column) for f in self.fields)
        )
        self.row_sql = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        self.returning = f" RETURNING {quote(self.pk.column)}"

    def values(self, values: dict[str, Any]) -> tuple:
        """The row's value for every column, in column order."""
        if not values.keys() <= self.defaults.keys():
            unknown = sorted(set(values) - set(self.defaults))
            raise ValueError(f"{self.model.__name__}: not columns: {unknown}")
        return self.pick({**self.defaults, **values})

    def params(self, rows: Sequence[dict[str, Any]]) -> list[Any]:
        out: list[Any] = []
        for values in rows:
            row = list(self.values(values))
            for i, convert in self.converters:
                if row[i] is not None:
                    row[i] = convert(row[i])
            out += row
        return out

    def batch_rows(self) -> int:
        limit = connection.features.max_query_params
        return min(BATCH_ROWS, limit // len(self.fields)) if limit else BATCH_ROWS

    def insert(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert the rows; their new primary keys, in order."""
        if connection.vendor == "postgresql" and rows:
            return self.copy(rows)
        ids: list[int] = []
        size = self.batch_rows()
        with connection.cursor() as cursor:
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                sql = self.head + ", ".join([self.row_sql] * len(chunk))
                cursor.execute(sql + self.returning, self.params(chunk))
                ids += [r[0] for r in cursor.fetchall()]
        return ids

    def copy(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """PostgreSQL: COPY, 2–3 × faster than multi-row INSERTs. COPY
        returns nothing, so the ids are drawn from the column's sequence
        first and written with the rows."""
        meta = self.model._meta
        quote = connection.ops.quote_name
        text = [_copy_text(f) for f in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                "FROM generate_series(1, %s)",
                [meta.db_table, self.pk.column, len(rows)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            data = io.StringIO()
            for pk, values in zip(ids, rows, strict=True):
                row = self.values(values)
                data.write(
                    "\t".join(
                        [str(pk)]
                        + [
                            r"\N" if value is None else convert(value)
                            for value, convert in zip(row, text, strict=True)
                        ]
                    )
                    + "\n"
                )
            data.seek(0)
            columns = ", ".join(quote(f.column) for f in [self.pk, *self.fields])
            cursor.cursor.copy_expert(
                f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN", data
            )
        return ids


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _copy_text(field: models.Field):
    """A value as COPY's text format wants it (NULL is handled by the caller)."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: json.dumps(value, cls=encoder).translate(_COPY_ESCAPES)
    if isinstance(field, models.BooleanField):
        return lambda value: "t" if value else "f"
    if isinstance(field, models.DateTimeField):
        return lambda value: value.isoformat()
    return lambda value: str(value).translate(_COPY_ESCAPES)


def insert(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    *,
    user=None,
    change_reason: str = "",
) -> list[int]:
    """Insert the rows (dicts of attname → value; missing fields take their
    defaults) and their history records; returns the new primary keys in the
    order of `rows`. Call inside a transaction."""
    ids = _Table(model).insert(rows)
    if hasattr(model, "history"):
        size = (connection.features.max_query_params or BATCH_ROWS) - len(_STAMP)
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            _history_copy(
                model,
                "(" + ", ".join(["%s"] * len(chunk)) + ")",
                chunk,
                history_type="+",
                user=user,
                change_reason=change_reason,
            )
    return ids


def delete(queryset: models.QuerySet, *, user=None, change_reason: str = "") -> int:
    """Delete the queryset's rows in two statements: their "-" history records
    (copied by the database), then the rows; returns how many.

    Django's `delete()` loads every row and its related rows and writes
    each history record on its own (a post_delete signal), 20 s for a
    district's indicators. What refers to these rows is the caller's to
    delete or unlink first, as Django's collector would have.
    """
    model = queryset.model
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    if hasattr(model, "history"):
        _history_copy(
            model,
            f"({sql})",
            list(params),
            history_type="-",
            user=user,
            change_reason=change_reason,
        )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(model._meta.pk.column)} IN ({sql})",
            params,
        )
        return cursor.rowcount


_STAMP = ("history_date", "history_type", "history_change_reason", "history_user_id")


def _history_copy(
    model: type[models.Model],
    pks_sql: str,
    pks_params: list,
    *,
    history_type: str,
    user,
    change_reason: str,
) -> None:
    """A history record of each row whose primary key is in `pks_sql`, as
    simple-history makes it (every tracked field, the time, "+" or "-", the
    user, the reason), copied by the database from the rows themselves."""
    history = model.history.model
    meta = history._meta
    quote = connection.ops.quote_name
    stamp = dict(
        zip(
            _STAMP,
            [
                timezone.now(),
                history_type,
                change_reason,
                user.pk if user is not None and user.pk else None,
            ],
            strict=True,
        )
    )
    tracked = [quote(f.column) for f in history.tracked_fields]
    extra = [quote(meta.get_field(name).column) for name in stamp]
    values = [
        meta.get_field(name).get_db_prep_save(value, connection)
        for name, value in stamp.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(tracked + extra)}) "
            f"SELECT {', '.join(tracked)}, {', '.join(['%s'] * len(values))} "
            f"FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(model._meta.pk.column)} IN {pks_sql}",
            values + list(pks_params),
        )
