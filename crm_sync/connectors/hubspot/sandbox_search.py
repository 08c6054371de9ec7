"""POST /crm/v3/objects/<type>/search in the HubSpot sandbox: filter groups, one sort, paging with `after`.

As HubSpot documents the search API: filter groups are ORed, the filters inside a group ANDed (at most 5 groups,
6 filters each, 18 in all); operators EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY,
NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN; text compares without regard to case; datetimes compare as
instants whether given as epoch milliseconds or ISO 8601; `limit` at most 200; `after` is an offset, and no more than
10,000 results can be paged through. Answer: {"total", "results", "paging"?: {"next": {"after", "link"}}}.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .sandbox_schema import ALWAYS_RETURNED, ObjectSpec, SandboxApiError, epoch_ms

MAX_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 6, 18
MAX_LIMIT, MAX_RESULTS, DEFAULT_LIMIT = 200, 10_000, 10
OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
             "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}  # fmt: skip


def search(spec: ObjectSpec, records: list[dict], body, *, path: str) -> dict:
    if not isinstance(body, dict):
        raise _invalid("the search request must be a JSON object")
    groups = body.get("filterGroups") or []
    _check_limits(groups)
    matching = [r for r in records if not r.get("archived") and _matches_any(spec, r, groups)]
    matching = _sorted(spec, matching, body.get("sorts") or [])
    limit, offset = _limit(body.get("limit")), _offset(body.get("after"))
    page = matching[offset : offset + limit]
    names = returned_properties(spec, body.get("properties"))
    answer = {"total": len(matching), "results": [shown(r, names) for r in page]}
    if offset + limit < len(matching):
        after = str(offset + limit)
        answer["paging"] = {"next": {"after": after, "link": f"{path}?after={after}"}}
    return answer


def shown(record: dict, names: list[str]) -> dict:
    """A record as a read answers it: the named properties (null when empty), ids and stamps."""
    props = record["properties"]
    return {"id": record["id"], "properties": {n: props.get(n) for n in names}, "createdAt": record["createdAt"],
            "updatedAt": record["updatedAt"], "archived": record.get("archived", False)}  # fmt: skip


def returned_properties(spec: ObjectSpec, requested: list[str] | None) -> list[str]:
    """The properties a read returns: the object's defaults when none are named; else the named ones that exist
    (HubSpot ignores unknown names on reads), with id and stamps."""
    if not requested:
        return list(spec.defaults)
    names = [n for n in requested if n in spec.properties]
    return sorted({*names, *ALWAYS_RETURNED})


# ---- filters ---------------------------------------------------------------------------------------------------------


def _check_limits(groups) -> None:
    if not isinstance(groups, list) or not all(isinstance(g, dict) and isinstance(g.get("filters", []), list)
                                               for g in groups):
        raise _invalid("filterGroups must be a list of {\"filters\": [...]}")
    counts = [len(g.get("filters", [])) for g in groups]
    if len(groups) > MAX_GROUPS or any(c > MAX_FILTERS_PER_GROUP for c in counts) or sum(counts) > MAX_FILTERS:
        raise _invalid(f"too many filters: at most {MAX_GROUPS} filterGroups of {MAX_FILTERS_PER_GROUP} filters, "
                       f"{MAX_FILTERS} filters in all")  # fmt: skip


def _matches_any(spec: ObjectSpec, record: dict, groups: list[dict]) -> bool:
    if not groups:
        return True
    return any(all(_matches(spec, record, f) for f in group.get("filters", [])) for group in groups)


def _matches(spec: ObjectSpec, record: dict, spec_filter: dict) -> bool:
    name, operator = spec_filter.get("propertyName"), str(spec_filter.get("operator", "EQ")).upper()
    if operator not in OPERATORS:
        raise _invalid(f"operator {operator} is not one of {', '.join(sorted(OPERATORS))}")
    kind = spec.properties.get(name or "")
    if kind is None:
        raise _invalid(f"There was a problem with the request. Property {name!r} does not exist on {spec.name}")
    value = record["properties"].get(name)
    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return (value not in (None, "")) == (operator == "HAS_PROPERTY")
    if value in (None, ""):
        return operator in ("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN")
    if operator in ("IN", "NOT_IN"):
        values = spec_filter.get("values")
        if not isinstance(values, list):
            raise _invalid(f"{operator} on {name} needs a list of values")
        found = any(_compare(kind, value, v) == 0 for v in values)
        return found == (operator == "IN")
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        token = str(spec_filter.get("value", "")).strip("*").casefold()
        return (token in str(value).casefold()) == (operator == "CONTAINS_TOKEN")
    if "value" not in spec_filter:
        raise _invalid(f"{operator} on {name} needs a value")
    order = _compare(kind, value, spec_filter["value"])
    if operator == "BETWEEN":
        return order >= 0 and _compare(kind, value, spec_filter.get("highValue")) <= 0
    return {"EQ": order == 0, "NEQ": order != 0, "LT": order < 0, "LTE": order <= 0, "GT": order > 0,
            "GTE": order >= 0}[operator]  # fmt: skip


def _compare(kind: str, stored, given) -> int:
    """-1 / 0 / 1 for the stored value against the filter's value, typed by the property."""
    left, right = _typed(kind, stored), _typed(kind, given)
    return (left > right) - (left < right)


def _typed(kind: str, value):
    try:
        if kind == "number":
            return Decimal(str(value))
        if kind == "datetime":
            return epoch_ms(str(value))
    except (InvalidOperation, ValueError):
        raise _invalid(f"{value!r} is not a valid {kind} value") from None
    return str(value).casefold()


# ---- sorting and paging ----------------------------------------------------------------------------------------------


def _sorted(spec: ObjectSpec, records: list[dict], sorts) -> list[dict]:
    by_id = sorted(records, key=lambda r: int(r["id"]))
    if not sorts:
        return by_id
    sort = sorts[0] if isinstance(sorts[0], dict) else {"propertyName": str(sorts[0])}
    name = sort.get("propertyName")
    kind = spec.properties.get(name or "")
    if kind is None:
        raise _invalid(f"cannot sort by {name!r}: no such property on {spec.name}")
    descending = str(sort.get("direction", "ASCENDING")).upper() == "DESCENDING"
    present = [r for r in by_id if r["properties"].get(name) not in (None, "")]
    empty = [r for r in by_id if r["properties"].get(name) in (None, "")]
    present.sort(key=lambda r: _typed(kind, r["properties"][name]), reverse=descending)
    return present + empty


def _limit(value) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_LIMIT:
        raise _invalid(f"limit must be a number from 1 to {MAX_LIMIT}")
    return value


def _offset(value) -> int:
    if value in (None, ""):
        return 0
    text = str(value)
    if not text.isdigit():
        raise _invalid(f"after {text!r} is not a paging cursor this search gave")
    if int(text) >= MAX_RESULTS:
        raise _invalid(f"a search pages through at most {MAX_RESULTS} results; narrow the filters")
    return int(text)


def _invalid(message: str) -> SandboxApiError:
    return SandboxApiError(400, "VALIDATION_ERROR", message)
