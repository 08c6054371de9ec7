"""The SOQL the Salesforce sandbox understands, and its answers in the REST query format.

  SELECT f1, f2, Parent.f3 FROM Object
    [WHERE cond [AND cond …]]      cond: field (= | != | <> | < | <= | > | >=) literal | field [NOT] IN (literals)
                                         | field LIKE 'pattern%'
    [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n] [OFFSET n]

Literals: 'text' (with \\' escapes), numbers, true/false, null, dates (2024-05-01). As in Salesforce, text compares
case-insensitively and a 15-character id equals its 18-character form. Anything else — OR, sub-queries, functions —
is answered with 400 MALFORMED_QUERY; unknown columns with INVALID_FIELD, unknown objects with INVALID_TYPE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from .ids import is_record_id, to_18
from .sandbox_schema import ObjectSpec, SandboxApiError, object_spec, relationship

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^'\\]|\\.)*')
     |(?P<op><=|>=|!=|<>|=|<|>)
     |(?P<punct>[(),])
     |(?P<date>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))?)
     |(?P<number>-?\d+(?:\.\d+)?)
     |(?P<word>[A-Za-z_][\w.]*)
    )""",
    re.VERBOSE,
)
API_VERSION = "v61.0"
_UNSUPPORTED = {"OR", "GROUP", "HAVING", "WITH", "FOR", "TYPEOF", "USING", "INCLUDES", "EXCLUDES"}


@dataclass
class Condition:
    path: list[str]  # ["StageName"] or ["Account", "Name"]
    op: str
    value: object


@dataclass
class Query:
    spec: ObjectSpec
    fields: list[list[str]]
    conditions: list[Condition] = field(default_factory=list)
    order_by: list[tuple[list[str], bool, bool]] = field(default_factory=list)  # path, descending, nulls_last
    limit: int | None = None
    offset: int = 0


def malformed(message: str) -> SandboxApiError:
    return SandboxApiError(400, "MALFORMED_QUERY", message)


def run_query(soql: str, records_of, find_by_id, *, version: str = API_VERSION) -> list[dict]:
    """Run a query: `records_of(object_name)` lists records, `find_by_id(id)` resolves parents. Returns REST records."""
    query = parse(soql)
    rows = [
        r for r in records_of(query.spec.name) if all(_matches(query.spec, r, c, find_by_id) for c in query.conditions)
    ]
    for path, descending, nulls_last in reversed(query.order_by):
        present = [r for r in rows if _value(query.spec, r, path, find_by_id) is not None]
        missing = [r for r in rows if _value(query.spec, r, path, find_by_id) is None]
        present.sort(key=lambda r: _sortable(_value(query.spec, r, path, find_by_id)), reverse=descending)
        rows = present + missing if nulls_last else missing + present
    rows = rows[query.offset :]
    if query.limit is not None:
        rows = rows[: query.limit]
    return [_project(query.spec, r, query.fields, find_by_id, version) for r in rows]


def parse(soql: str) -> Query:
    tokens = _tokenize(soql)
    position = 0

    def peek(offset: int = 0) -> tuple[str, str] | None:
        return tokens[position + offset] if position + offset < len(tokens) else None

    def take(kind: str | None = None, word: str | None = None) -> str:
        nonlocal position
        token = peek()
        if token is None or (kind and token[0] != kind) or (word and token[1].upper() != word):
            found = f"'{token[1]}'" if token else "the end of the query"
            raise malformed(f"unexpected token: {found} (expected {word or kind})")
        position += 1
        return token[1]

    def at(word: str) -> bool:
        token = peek()
        return token is not None and token[0] == "word" and token[1].upper() == word

    take("word", "SELECT")
    names = [take("word")]
    if peek() and peek()[1] == "(":
        raise malformed(f"the sandbox does not support functions in SELECT ({names[0]}(…))")
    while peek() and peek()[1] == ",":
        take("punct")
        names.append(take("word"))
    take("word", "FROM")
    spec = _object(take("word"))
    query = Query(spec=spec, fields=[_path(spec, n) for n in names])
    if at("WHERE"):
        take()
        query.conditions.append(_condition(spec, take, peek, at))
        while at("AND"):
            take()
            query.conditions.append(_condition(spec, take, peek, at))
    if at("ORDER"):
        take()
        take("word", "BY")
        while True:
            path = _path(spec, take("word"))
            descending = at("DESC")
            if at("DESC") or at("ASC"):
                take()
            nulls_last = descending
            if at("NULLS"):
                take()
                nulls_last = take("word").upper() == "LAST"
            query.order_by.append((path, descending, nulls_last))
            if not (peek() and peek()[1] == ","):
                break
            take("punct")
    if at("LIMIT"):
        take()
        query.limit = int(take("number"))
    if at("OFFSET"):
        take()
        query.offset = int(take("number"))
    if peek() is not None:
        word = peek()[1]
        if word.upper() in _UNSUPPORTED:
            raise malformed(f"the sandbox's SOQL does not support {word.upper()}")
        raise malformed(f"unexpected token: '{word}'")
    return query


def _tokenize(soql: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = soql.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise malformed(f"unexpected character at column {position + 1}: {text[position:position + 10]!r}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    if not tokens:
        raise malformed("the query is empty")
    return tokens


def _object(name: str) -> ObjectSpec:
    try:
        return object_spec(name)
    except SandboxApiError:
        raise SandboxApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.") from None


def _path(spec: ObjectSpec, name: str) -> list[str]:
    """A field reference resolved to declared names: "stagename" → ["StageName"], "Account.name" → ["Account", "Name"]."""
    parts = name.split(".")
    if len(parts) == 1:
        canonical = spec.canonical(name)
        if canonical is None:
            raise _no_such_column(name, spec)
        return [canonical]
    if len(parts) == 2:
        parent = relationship(spec, parts[0])
        if parent:
            _field_name, parent_spec = parent
            canonical = parent_spec.canonical(parts[1])
            if canonical is None:
                raise _no_such_column(parts[1], parent_spec)
            return [_field_name[:-2], canonical]
    raise SandboxApiError(
        400, "INVALID_FIELD", f"Didn't understand relationship '{parts[0]}' in field path '{name}' on {spec.name}"
    )


def _no_such_column(name: str, spec: ObjectSpec) -> SandboxApiError:
    return SandboxApiError(
        400,
        "INVALID_FIELD",
        f"No such column '{name}' on entity '{spec.name}'. If you are attempting to use a custom field, be sure to "
        "append the '__c' after the custom field name.",
    )


def _condition(spec: ObjectSpec, take, peek, at) -> Condition:
    path = _path(spec, take("word"))
    if at("NOT") or at("IN"):
        negated = at("NOT") and bool(take())
        take("word", "IN")
        take("punct")
        values = [_literal(take, peek)]
        while peek() and peek()[1] == ",":
            take("punct")
            values.append(_literal(take, peek))
        take("punct")
        return Condition(path, "NOT IN" if negated else "IN", values)
    if at("LIKE"):
        take()
        return Condition(path, "LIKE", _literal(take, peek))
    op = take("op")
    return Condition(path, "!=" if op == "<>" else op, _literal(take, peek))


def _literal(take, peek):
    token = peek()
    if token is None:
        raise malformed("a value is missing at the end of the query")
    kind, text = token
    take()
    if kind == "string":
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m[1], m[1]), text[1:-1])
    if kind == "number":
        return Decimal(text)
    if kind == "date":
        return text
    if kind == "word" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if kind == "word" and text.lower() == "null":
        return None
    raise malformed(f"unexpected token: '{text}' (expected a value)")


def _value(spec: ObjectSpec, record: dict, path: list[str], find_by_id):
    if len(path) == 1:
        return record.get(path[0])
    parent_id = record.get(f"{path[0]}Id")
    parent = find_by_id(parent_id) if parent_id else None
    return parent.get(path[1]) if parent else None


def _matches(spec: ObjectSpec, record: dict, condition: Condition, find_by_id) -> bool:
    actual = _value(spec, record, condition.path, find_by_id)
    is_id = condition.path[-1].endswith("Id")
    if condition.op in ("IN", "NOT IN"):
        found = any(_equal(actual, v, is_id) for v in condition.value)
        return found if condition.op == "IN" else not found
    if condition.op == "LIKE":
        pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in str(condition.value))
        return actual is not None and re.fullmatch(pattern, str(actual), re.IGNORECASE | re.DOTALL) is not None
    if condition.op == "=":
        return _equal(actual, condition.value, is_id)
    if condition.op == "!=":
        return not _equal(actual, condition.value, is_id)
    if actual is None or condition.value is None:
        return False
    left, right = _sortable(actual), _sortable(condition.value)
    if type(left) is not type(right):
        raise malformed(f"cannot compare {'.'.join(condition.path)} with {condition.value!r}")
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[condition.op]


def _equal(actual, expected, is_id: bool = False) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, Decimal):
        return not isinstance(actual, str) and Decimal(str(actual)) == expected
    if is_id:
        return is_record_id(str(expected)) and actual == to_18(str(expected))
    return str(actual).casefold() == str(expected).casefold()


def _sortable(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    return str(value).casefold()


def _project(spec: ObjectSpec, record: dict, paths: list[list[str]], find_by_id, version: str) -> dict:
    """A record as the query endpoint answers it: attributes, then the selected fields; parents nested."""
    out = {"attributes": attributes(spec.name, record["Id"], version)}
    for path in paths:
        if len(path) == 1:
            out[path[0]] = record.get(path[0])
            continue
        relation, name = path
        parent_id = record.get(f"{relation}Id")
        parent = find_by_id(parent_id) if parent_id else None
        if parent is None:
            out[relation] = None
            continue
        nested = out.get(relation) or {"attributes": attributes(_parent_type(spec, relation), parent["Id"], version)}
        nested[name] = parent.get(name)
        out[relation] = nested
    return out


def _parent_type(spec: ObjectSpec, relation: str) -> str:
    return relationship(spec, relation)[1].name


def attributes(sobject: str, record_id: str, version: str = API_VERSION) -> dict:
    return {"type": sobject, "url": f"/services/data/{version}/sobjects/{sobject}/{record_id}"}
