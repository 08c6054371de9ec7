"""OData v4 query options as the Business Central emulator understands them, and BC's error answer.

Served: `$filter` with `eq` comparisons joined by `and` (string literals in single quotes with '' for a quote,
numbers, true/false, bare GUIDs), `$select`, `$expand=<navigation>`, `$top` and `$skip`. Anything else in a
`$filter` is refused the way BC refuses a query it cannot parse (400 BadRequest_NotFound "Bad Request - Error in
query syntax"). String comparisons ignore case, as BC's database collation does.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation

from django.http import HttpResponse

from .mappers import encode_json

_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<paren>[()])"
                    r"|(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
                    r"|(?P<word>[A-Za-z_]\w*)|(?P<number>-?\d+(?:\.\d+)?))")


class BcError(Exception):
    """An answer in Business Central's error format: {"error": {"code", "message": "…  CorrelationId:  <guid>."}}."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> HttpResponse:
        return bc_json({"error": {"code": self.code, "message": f"{self.message}  CorrelationId:  {uuid.uuid4()}."}},
                       status=self.status)


def bc_json(body, status: int = 200) -> HttpResponse:
    """A JSON answer with exact decimals, in the content type BC uses."""
    response = HttpResponse(encode_json(body).encode("utf-8"), status=status,
                            content_type="application/json; odata.metadata=minimal; charset=utf-8")
    response["OData-Version"] = "4.0"
    return response


def query_syntax_error() -> BcError:
    return BcError(400, "BadRequest_NotFound", "Bad Request - Error in query syntax.")


def parse_filter(text: str) -> list[tuple[str, object]]:
    """`a eq 'x' and b eq 2` → [("a", "x"), ("b", 2)]; a redundant pair of outer parentheses is allowed."""
    tokens = _tokens(text)
    while tokens[:1] == ["("] and tokens[-1:] == [")"]:
        tokens = tokens[1:-1]
    conditions, position = [], 0
    while position < len(tokens):
        if position and tokens[position].lower() == "and":
            position += 1
        if position + 3 > len(tokens) or tokens[position + 1].lower() != "eq":
            raise query_syntax_error()
        conditions.append((tokens[position], _literal(tokens[position + 2])))
        position += 3
    if not conditions:
        raise query_syntax_error()
    return conditions


def matches(record: dict, conditions: list[tuple[str, object]]) -> bool:
    for name, wanted in conditions:
        value = record.get(name)
        if isinstance(wanted, str) and isinstance(value, str):
            if value.casefold() != wanted.casefold():
                return False
        elif isinstance(wanted, Decimal):
            try:
                if Decimal(str(value)) != wanted:
                    return False
            except (InvalidOperation, TypeError):
                return False
        elif value != wanted:
            return False
    return True


def apply(records: list[dict], params, *, known_fields) -> list[dict]:
    """$filter, $skip and $top over `records` (dicts in BC's shape); a filter on an unknown field is BC's 400."""
    if params.get("$filter"):
        conditions = parse_filter(params["$filter"])
        for name, _value in conditions:
            if name not in known_fields:
                raise BcError(400, "BadRequest_NotFound", f"Could not find a property named '{name}' on type "
                              "'Microsoft.NAV.entity'.")
        records = [r for r in records if matches(r, conditions)]
    skip, top = _count(params.get("$skip"), "$skip"), _count(params.get("$top"), "$top")
    records = records[skip or 0:]
    return records[:top] if top is not None else records


def select(record: dict, params) -> dict:
    wanted = [name.strip() for name in (params.get("$select") or "").split(",") if name.strip()]
    if not wanted:
        return record
    return {k: v for k, v in record.items() if k.startswith("@odata") or k in wanted}


def expanded(params) -> set[str]:
    return {name.strip() for name in (params.get("$expand") or "").split(",") if name.strip()}


def _tokens(text: str) -> list[str]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        found = _TOKEN.match(text, position)
        if not found:
            raise query_syntax_error()
        tokens.append(found.group(found.lastgroup))
        position = found.end()
    return tokens


def _literal(token: str):
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    if token in ("true", "false"):
        return token == "true"
    try:
        return str(uuid.UUID(token))
    except ValueError:
        pass
    try:
        return Decimal(token)
    except InvalidOperation:
        raise query_syntax_error() from None


def _count(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise BcError(400, "BadRequest", f"Invalid value '{value}' for {name}.")
    return int(value)
