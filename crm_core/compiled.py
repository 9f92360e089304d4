"""A statement's SQL on DuckDB, compiled once per shape.

Ibis spends 3-50 ms of Python compiling a report's expression, and a filter change pays it again for every
statement on the page. Two expressions that differ only in their dates and strings (the range, the
department picked) compile to the same SQL but for those literals. So the SQL is kept per *shape*: the
expression with each date, timestamp and string literal replaced by a numbered slot (equal literals share a
slot). A statement of a known shape writes its own literals into the kept SQL.

A new shape is compiled once, with a made-up value in each slot; where those values fall in its SQL are the
slots. A slot whose made-up value the compiler changed (it writes a unit 'day' as 'DAY') stays part of the
shape: the SQL is kept per value of such slots. A shape whose SQL still holds a made-up value in another form
is compiled every time, and so is an expression holding an in-memory table (its table name is new each
time). Ibis's compile is deterministic, and only the literals' values differ within a shape; with
CRM_VERIFY_SQL=1 in the environment (the test suite sets it, for the app processes it starts too) every
statement is also compiled directly, a new shape is kept only when the two agree, and a kept one that
differs raises.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import re
from collections.abc import Mapping

import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis.common.graph import Node

VERIFY = os.environ.get("CRM_VERIFY_SQL") == "1"
LIMIT = 200_000  # structures interned before everything is forgotten (a bound on memory, not a tuning knob)
MAX_SLOTS = 900 * 12  # as many made-up values as _stand_in has

_structures: dict[tuple, int] = {}  # a node's structure -> a small number, so that a key is hashed once per node
_numbers = itertools.count(1)
_fixed: dict[int, tuple[int, ...]] = {}  # shape -> its slots the SQL does not show verbatim (a unit like 'DAY')
_kept: dict[tuple, tuple | None] = {}  # (shape, those slots' values) -> the SQL cut at its slots, or None
STATS = {"kept": 0, "compiled": 0}


def sql(backend, expr: ir.Table) -> str:
    """The DuckDB SQL of ``expr``: the kept SQL of its shape with its literals, or a fresh compile. An
    expression holding an in-memory table or a UDF gets Ibis's pre-execute hooks (which register them) run
    first, as Ibis's own execute does; the others skip them, as they would only walk the expression again."""
    shape = _shape(expr.op())
    if shape is None:
        backend._run_pre_execute_hooks(expr)
        return _compile(backend, expr)
    if len(shape[1]) > MAX_SLOTS:
        return _compile(backend, expr)
    key, literals = shape
    if len(_structures) > LIMIT:
        _structures.clear()
        _fixed.clear()
        _kept.clear()
        return _compile(backend, expr)
    first = None
    if key not in _fixed:
        first = _with_stand_ins(backend, expr, literals)
        _fixed[key] = tuple(sorted(i for written, i in first[1].items() if written not in first[0]))
    fixed = _fixed[key]
    kept = (key, tuple(lit.value for lit, i in literals.items() if i in fixed))
    if kept not in _kept:
        _kept[kept] = _template(backend, expr, literals, fixed, None if fixed else first)
    template = _kept[kept]
    if template is None:
        return _compile(backend, expr)
    STATS["kept"] += 1
    got = _fill(backend, template, list(literals))
    if VERIFY:
        direct = backend.compile(expr)
        if got != direct:
            raise AssertionError(f"the kept SQL differs from a fresh compile:\n{got}\n---\n{direct}")
    return got


def _compile(backend, expr) -> str:
    STATS["compiled"] += 1
    return backend.compile(expr)


def _slotted(node: Node) -> bool:
    if not isinstance(node, ops.Literal) or node.value is None:
        return False
    t = node.dtype
    return t.is_string() or t.is_date() or t.is_timestamp()


def _shape(root: Node) -> tuple[int, dict] | None:
    """(the number of ``root``'s shape, its slotted literal nodes -> slot), or None when it holds an
    in-memory table or a UDF."""
    memo: dict[int, int] = {}
    slots: dict[Node, int] = {}

    def arg(a):
        if isinstance(a, Node):
            return node(a)
        if isinstance(a, tuple):
            return (tuple, *map(arg, a))
        if isinstance(a, Mapping):
            return (Mapping, *((k, arg(v)) for k, v in a.items()))
        return type(a), a

    def node(n: Node) -> int:
        got = memo.get(id(n))
        if got is None:
            if isinstance(n, _NEVER_KEPT):
                raise _NotKept
            if _slotted(n):
                structure = ("slot", slots.setdefault(n, len(slots)), n.dtype)
            elif isinstance(n, ops.DatabaseTable):  # the SQL names the table; the backend it came from is not in it
                structure = (ops.DatabaseTable, n.name, n.schema, n.namespace)
            else:
                structure = (type(n), *map(arg, n.__args__))
            got = _structures.get(structure)
            if got is None:
                got = _structures.setdefault(structure, next(_numbers))
            memo[id(n)] = got
        return got

    try:
        return node(root), slots
    except _NotKept:
        return None


class _NotKept(Exception):
    pass


# An in-memory table's name is new each time; both need registering with the backend before they run.
_NEVER_KEPT = (ops.InMemoryTable, ops.ScalarUDF, ops.AggUDF, ops.ElementWiseVectorizedUDF,
               ops.ReductionVectorizedUDF, ops.AnalyticVectorizedUDF)


def _stand_in(i: int, dtype):
    if dtype.is_string():
        return f"crmslot{i:05d}q"
    if dtype.is_date():
        return dt.date(1000 + i % 900, 1 + i // 900 % 12, 7)
    return dt.datetime(1000 + i % 900, 1 + i // 900 % 12, 7, 1, 2, 3)


# A made-up value written otherwise than _render writes it: a string in other case, a date as text.
_LEFT_OVER = re.compile(r"crmslot\d{5}q|1[0-8]\d\d-\d\d-07", re.IGNORECASE)


def _with_stand_ins(backend, expr: ir.Table, literals: dict, fixed=()) -> tuple[str, dict[str, int]]:
    """``expr`` compiled with a made-up value in each slot but ``fixed``, and each such value's SQL -> slot."""
    stand_ins = {lit: ops.Literal(_stand_in(i, lit.dtype), lit.dtype) for lit, i in literals.items() if i not in fixed}
    slot_of = {_render(backend, s.value, s.dtype): literals[lit] for lit, s in stand_ins.items()}
    return _compile(backend, expr.op().replace(stand_ins).to_expr() if stand_ins else expr), slot_of


def _template(backend, expr: ir.Table, literals: dict, fixed: tuple[int, ...], compiled=None) -> tuple | None:
    """The SQL of ``expr`` cut at its slots but ``fixed`` (the slots a first compile with made-up values did not
    show as written: the compiler changed them, as it writes a unit 'day' as 'DAY'): (text, slot, text, slot,
    ..., text). None when a made-up value is left in the text, or (with VERIFY) when the template does not
    reproduce the direct compile. ``compiled``: _with_stand_ins' result."""
    text, slot_of = compiled or _with_stand_ins(backend, expr, literals, fixed)
    parts = re.split("(" + "|".join(map(re.escape, slot_of)) + ")", text) if slot_of else [text]
    template = tuple(slot_of[p] if i % 2 else p for i, p in enumerate(parts))
    if any(_LEFT_OVER.search(p) for p in template[::2]):
        return None  # a made-up value also shows in another form (upper-cased, as text): not a plain slot
    if VERIFY:
        return template if _fill(backend, template, list(literals)) == _compile(backend, expr) else None
    return template


def _fill(backend, template: tuple, literals: list) -> str:
    return "".join(_render(backend, literals[p].value, literals[p].dtype) if i % 2 else p
                   for i, p in enumerate(template))


@functools.lru_cache(maxsize=4096)
def _render_cached(compiler, dialect, value, dtype) -> str:
    return compiler.visit_Literal(None, value=value, dtype=dtype).sql(dialect=dialect)


def _render(backend, value, dtype) -> str:
    return _render_cached(backend.compiler, backend.dialect, value, dtype)
