"""camroll's SQL, as written for SQLite, said in PostgreSQL's words.

Why translate instead of writing every statement twice or going through an ORM: the store's
~400 statements are plain SQL that both engines mostly share; what differs is a short, closed
list of SQLite idioms, each with an exact PostgreSQL equivalent. Translating them in one place,
once per distinct statement (the connection keeps what it translated), keeps one text per
query for review and one set of tests, where a second dialect file would drift. docs/scale-out.md
records the measurement behind the choice (SQLAlchemy Core: no common upsert, ~1 ms a statement).

What is translated, and why each is exact:

- ``?`` placeholders become ``%s``, and every literal ``%`` is doubled (psycopg's format).
- ``INSERT OR IGNORE`` becomes ``INSERT ... ON CONFLICT DO NOTHING``; ``INSERT OR REPLACE`` an
  upsert on the table's primary key (``keys``: read from the database's catalog), every other
  listed column taken from ``EXCLUDED``.
- ``a IS ?`` / ``a IS b`` (SQLite's null-safe equality) become ``IS NOT DISTINCT FROM``, and
  ``? IS NULL`` casts its parameter so PostgreSQL can type it.
- ``COLLATE NOCASE`` is the case-blind ICU collation the schema makes (:mod:`pg_schema`).
- ``LIKE`` becomes ``ILIKE``: SQLite's ``LIKE`` ignores (ASCII) case.
- ``ORDER BY`` terms get SQLite's null order (nulls first ascending, last descending).
- Functions: ``max(a, b)``/``min(a, b)`` (scalar, two or more arguments) become ``GREATEST``/
  ``LEAST``; ``group_concat`` ``string_agg`` over text; ``total`` a float sum that is 0 when
  empty; ``ifnull`` ``COALESCE``; ``instr`` ``position``; ``round(x, n)`` rounds a numeric.
- ``CROSS JOIN t ON`` (SQLite's join-order hint) is ``JOIN t ON``.
- A subquery in ``FROM`` or ``JOIN`` without a name gets one (PostgreSQL requires it).
- ``CAST(x AS REAL)`` is a double (PostgreSQL's ``real`` is 4 bytes); ``BEGIN IMMEDIATE`` is
  ``BEGIN``; ``LIMIT -1`` is ``LIMIT ALL``.

What is not translated, and so must not be written in the store (the PostgreSQL contract tests
fail on it): bare columns beside an aggregate, integers used as booleans (``WHERE flag``),
aliases in ``HAVING``, ``GLOB``, ``json_each``, ``strftime``/``datetime``, ``rowid``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from camroll.store.pg_schema import NOCASE_COLLATION

_TOKEN = re.compile(
    r"""(?P<str>'(?:[^']|'')*')
      | (?P<ident>"(?:[^"]|"")*")
      | (?P<comment>--[^\n]*|/\*.*?\*/)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
      | (?P<space>\s+)
      | (?P<op>\|\||<=|>=|<>|!=|==|.)""",
    re.X | re.S,
)

_NOT_A_VALUE_AFTER_IS = frozenset({"NULL", "NOT", "TRUE", "FALSE", "DISTINCT", "UNKNOWN"})
_ENDS_ORDER_BY = frozenset({"LIMIT", "OFFSET", "UNION", "EXCEPT", "INTERSECT", "RETURNING", "FOR", "ON"})


class Tok:
    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str) -> None:
        self.kind, self.text = kind, text

    @property
    def up(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.kind}:{self.text}"


def tokens(sql: str) -> list[Tok]:
    return [Tok(str(m.lastgroup), m.group()) for m in _TOKEN.finditer(sql) if m.lastgroup != "comment"]


def _significant(toks: list[Tok], i: int, step: int) -> int:
    """The index of the next (step=1) or previous (step=-1) token that is not space, or -1."""
    i += step
    while 0 <= i < len(toks):
        if toks[i].kind != "space":
            return i
        i += step
    return -1


def _close(toks: list[Tok], open_at: int) -> int:
    """The index of the parenthesis closing the one at ``open_at``."""
    depth = 0
    for j in range(open_at, len(toks)):
        if toks[j].text == "(":
            depth += 1
        elif toks[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced parentheses")


def _args(toks: list[Tok], open_at: int, close_at: int) -> list[list[Tok]]:
    """The top-level, comma-separated arguments between two parentheses."""
    out: list[list[Tok]] = [[]]
    depth = 0
    for t in toks[open_at + 1 : close_at]:
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        if t.text == "," and depth == 0:
            out.append([])
        else:
            out[-1].append(t)
    return out


def _text(toks: list[Tok]) -> str:
    return "".join(t.text for t in toks).strip()


def to_postgres(sql: str, keys: Mapping[str, tuple[str, ...]]) -> str:
    """``sql`` (one statement, SQLite's dialect as camroll writes it) in PostgreSQL's; ``keys``
    maps each table to its primary key columns (for ``INSERT OR REPLACE``)."""
    toks = tokens(sql)
    conflict = _insert_or(toks, keys)
    toks = _cross_join_on(_aliased(_functions(toks)))
    out: list[str] = []
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        up = t.up
        if t.kind == "str":
            out.append(t.text.replace("%", "%%"))
        elif t.text == "%":
            out.append("%%")
        elif t.text == "?":
            nxt = _significant(toks, i, 1)
            if nxt >= 0 and toks[nxt].up == "IS":
                out.append("CAST(%s AS TEXT)")
            else:
                out.append("%s")
        elif up == "IS":
            nxt = _significant(toks, i, 1)
            if nxt >= 0 and toks[nxt].up not in _NOT_A_VALUE_AFTER_IS:
                out.append("IS NOT DISTINCT FROM")
            elif nxt >= 0 and toks[nxt].up == "NOT":
                after = _significant(toks, nxt, 1)
                if after >= 0 and toks[after].up not in _NOT_A_VALUE_AFTER_IS:
                    out.append("IS DISTINCT FROM")
                    i = nxt + 1
                    continue
                out.append(t.text)
            else:
                out.append(t.text)
        elif up == "NOCASE" and _significant(toks, i, -1) >= 0 and toks[_significant(toks, i, -1)].up == "COLLATE":
            out.append(NOCASE_COLLATION)
        elif up == "LIKE":
            out.append("ILIKE")
        elif up == "IMMEDIATE" and _significant(toks, i, -1) >= 0 and toks[_significant(toks, i, -1)].up == "BEGIN":
            pass
        elif up == "REAL" and _significant(toks, i, -1) >= 0 and toks[_significant(toks, i, -1)].up == "AS":
            out.append("DOUBLE PRECISION")
        elif t.text == "-" and _significant(toks, i, -1) >= 0 and toks[_significant(toks, i, -1)].up == "LIMIT":
            nxt = _significant(toks, i, 1)
            out.append("ALL")
            i = nxt + 1
            continue
        elif up == "BY" and _significant(toks, i, -1) >= 0 and toks[_significant(toks, i, -1)].up == "ORDER":
            out.append(t.text)
            i = _order_terms(toks, i + 1, out)
            continue
        else:
            out.append(t.text)
        i += 1
    text = "".join(out).rstrip().rstrip(";")
    if conflict:
        m = re.search(r"\sRETURNING\s", text, re.I)
        text = f"{text[: m.start()]} {conflict}{text[m.start() :]}" if m else f"{text} {conflict}"
    return text


def _order_terms(toks: list[Tok], i: int, out: list[str]) -> int:
    """Copy the terms of an ``ORDER BY`` from ``i`` into ``out``, each with SQLite's null order;
    return where the clause ends."""
    term: list[Tok] = []
    local = 0

    def flush() -> None:
        if not _text(term):
            return
        inner = to_postgres(_text(term), {})
        words = [t.up for t in term if t.kind == "word"]
        if "NULLS" in words:
            out.append(" " + inner)
        elif words and words[-1] == "DESC":
            out.append(f" {inner} NULLS LAST")
        else:
            out.append(f" {inner} NULLS FIRST")

    while i < len(toks):
        t = toks[i]
        if t.text == "(":
            local += 1
        elif t.text == ")":
            if local == 0:
                break
            local -= 1
        elif local == 0 and (t.text == "," or t.text == ";" or (t.kind == "word" and t.up in _ENDS_ORDER_BY)):
            flush()
            term = []
            if t.text == ",":
                out.append(",")
                i += 1
                continue
            out.append(" ")
            break
        term.append(t)
        i += 1
    else:
        flush()
        return i
    if term:
        flush()
    return i


_NOT_AN_ALIAS = frozenset(
    {"WHERE", "GROUP", "ORDER", "LIMIT", "OFFSET", "JOIN", "LEFT", "INNER", "CROSS", "ON", "UNION", "EXCEPT"}
    | {"INTERSECT", "HAVING", "WINDOW", "USING", "NATURAL", "FULL", "RIGHT", "RETURNING"}
)


def _aliased(toks: list[Tok]) -> list[Tok]:
    """Name every subquery in ``FROM``/``JOIN`` that has no name: PostgreSQL requires one."""
    out = list(toks)
    n = 0
    i = 0
    while i < len(out):
        if out[i].text == "(":
            before, after = _significant(out, i, -1), _significant(out, i, 1)
            if (
                before >= 0
                and out[before].up in ("FROM", "JOIN")
                and after >= 0
                and out[after].up in ("SELECT", "VALUES")
            ):
                close = _close(out, i)
                nxt = _significant(out, close, 1)
                if nxt < 0 or out[nxt].kind != "word" or out[nxt].up in _NOT_AN_ALIAS:
                    n += 1
                    out[close + 1 : close + 1] = [Tok("space", " "), Tok("word", f"AS _sub{n}")]
        i += 1
    return out


def _cross_join_on(toks: list[Tok]) -> list[Tok]:
    """SQLite's ``CROSS JOIN t ON ...`` (an inner join whose order the planner must keep) is a
    plain ``JOIN t ON ...`` for PostgreSQL, which refuses ``ON`` after ``CROSS JOIN``."""
    out = list(toks)
    for i, t in enumerate(out):
        if t.up != "CROSS":
            continue
        join = _significant(out, i, 1)
        if join < 0 or out[join].up != "JOIN":
            continue
        j = _significant(out, join, 1)
        while j >= 0 and ((out[j].kind in ("word", "ident") and out[j].up not in _NOT_AN_ALIAS) or out[j].text == "."):
            j = _significant(out, j, 1)
        if j >= 0 and out[j].up == "ON":
            out[i] = Tok("space", "")
    return out


def _functions(toks: list[Tok]) -> list[Tok]:
    """Rewrite SQLite-only function calls (see the module's docstring) into new tokens."""
    i = 0
    out: list[Tok] = []
    while i < len(toks):
        t = toks[i]
        nxt = _significant(toks, i, 1)
        if t.kind == "word" and nxt >= 0 and toks[nxt].text == "(":
            name = t.up
            if name in ("MAX", "MIN", "GROUP_CONCAT", "TOTAL", "IFNULL", "INSTR", "ROUND"):
                close = _close(toks, nxt)
                args = [_functions(a) for a in _args(toks, nxt, close)]
                inner = [_text(a) for a in args]
                replaced = _call(name, inner)
                if replaced is not None:
                    out.extend(tokens(replaced))
                    i = close + 1
                    continue
        out.append(t)
        i += 1
    return out


def _call(name: str, args: list[str]) -> str | None:
    if name in ("MAX", "MIN") and len(args) >= 2:
        return f"{'GREATEST' if name == 'MAX' else 'LEAST'}({', '.join(args)})"
    if name == "GROUP_CONCAT":
        value, sep = args[0], (args[1] if len(args) > 1 else "','")
        distinct = re.match(r"(?i)DISTINCT\s+", value)
        if distinct:
            return f"string_agg(DISTINCT CAST({value[distinct.end() :]} AS TEXT), {sep})"
        return f"string_agg(CAST({value} AS TEXT), {sep})"
    if name == "TOTAL":
        return f"COALESCE(SUM(CAST({args[0]} AS DOUBLE PRECISION)), 0.0)"
    if name == "IFNULL":
        return f"COALESCE({', '.join(args)})"
    if name == "INSTR" and len(args) == 2:
        return f"position({args[1]} IN {args[0]})"  # text or bytea alike, as SQLite's instr
    if name == "ROUND" and len(args) == 2:
        return f"CAST(round(CAST({args[0]} AS NUMERIC), {args[1]}) AS DOUBLE PRECISION)"
    return None


def _insert_or(toks: list[Tok], keys: Mapping[str, tuple[str, ...]]) -> str | None:
    """Drop ``OR IGNORE``/``OR REPLACE`` from an ``INSERT`` (in place); return the ``ON CONFLICT``
    clause the statement needs instead, or None."""
    first = _significant(toks, -1, 1)
    if first < 0 or toks[first].up != "INSERT":
        return None
    or_at = _significant(toks, first, 1)
    if or_at < 0 or toks[or_at].up != "OR":
        return None
    what_at = _significant(toks, or_at, 1)
    what = toks[what_at].up
    for j in range(or_at, what_at + 1):
        toks[j] = Tok("space", "")
    if what == "IGNORE":
        return "ON CONFLICT DO NOTHING"
    if what != "REPLACE":
        raise ValueError(f"INSERT OR {what} has no PostgreSQL translation")
    into = _significant(toks, what_at, 1)
    table_at = _significant(toks, into, 1)
    table = toks[table_at].text.strip('"')
    key = keys.get(table)
    if not key:
        raise ValueError(f"INSERT OR REPLACE INTO {table}: the table's primary key is not known")
    open_at = _significant(toks, table_at, 1)
    if toks[open_at].text != "(":
        raise ValueError(f"INSERT OR REPLACE INTO {table} must list its columns")
    columns = [_text(a).strip('"') for a in _args(toks, open_at, _close(toks, open_at))]
    rest = [c for c in columns if c not in key]
    target = ", ".join(key)
    if not rest:
        return f"ON CONFLICT ({target}) DO NOTHING"
    return f"ON CONFLICT ({target}) DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in rest)


__all__ = ["Tok", "to_postgres", "tokens"]
