"""OData V2 plumbing for the SAP emulator (sandbox.py): the real $metadata, query options, rendering, errors.

* `schema()` reads the real API_SALES_ORDER_SRV $metadata (fixtures/) once: property names, types, lengths and
  navigation properties per entity type. The emulator renders every property SAP would, and refuses a deep insert
  naming a property the service does not have — so a typo in mappers.py fails here as it would against SAP.
* `parse_filter` understands the $filter subset our clients and tests use: comparisons (eq ne gt ge lt le) of a
  property with a string, number, null, true/false or datetime'…' literal, joined by and / or / not and
  parentheses. Anything else answers 400, as a Gateway without that capability would.
* `apply_query` does $filter, $orderby, $skip, $top and $inlinecount; `render` does __metadata, $select and $expand
  (expanded collections as {"results": [...]}, expanded single entities inline, the rest {"__deferred": {"uri"}}).
* `ODataError` → the SAP Gateway error body (wire/sap/odata_v2_error_response.json shape).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from defusedxml import ElementTree
from django.http import JsonResponse
from django.utils import timezone

from .mappers import parse_odata_datetime

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SALES_ORDER_METADATA = FIXTURES / "API_SALES_ORDER_SRV_metadata.edmx"
_EDM = "{http://schemas.microsoft.com/ado/2008/09/edm}"
_SAP = "{http://www.sap.com/Protocols/SAPData}"


# ---- $metadata -----------------------------------------------------------------------------------------------------


@dataclass
class EntityType:
    name: str
    keys: list[str]
    properties: dict[str, dict] = field(default_factory=dict)  # name -> {"type", "max_length", "scale", "creatable"}
    navigations: list[str] = field(default_factory=list)

    def default(self, prop: str):
        """What SAP renders for a property that holds nothing."""
        info = self.properties[prop]
        kind = info["type"]
        if kind == "Edm.Boolean":
            return False
        if kind == "Edm.Decimal":
            return format(Decimal(0).quantize(Decimal(1).scaleb(-int(info["scale"] or 0))), "f")
        if kind == "Edm.Double":
            return "0.0000000000000000E+00"
        if kind in ("Edm.DateTime", "Edm.DateTimeOffset", "Edm.Time"):
            return None
        return ""


@functools.cache
def metadata_bytes() -> bytes:
    return SALES_ORDER_METADATA.read_bytes()


@functools.cache
def schema() -> dict[str, EntityType]:
    """Entity types of API_SALES_ORDER_SRV by name (A_SalesOrderType, A_SalesOrderItemType, …)."""
    root = ElementTree.fromstring(metadata_bytes())
    types = {}
    for node in root.iter(f"{_EDM}EntityType"):
        entity = EntityType(
            name=node.get("Name"),
            keys=[ref.get("Name") for ref in node.iter(f"{_EDM}PropertyRef")],
            navigations=[nav.get("Name") for nav in node.iter(f"{_EDM}NavigationProperty")],
        )
        for prop in node.iter(f"{_EDM}Property"):
            entity.properties[prop.get("Name")] = {
                "type": prop.get("Type"),
                "max_length": int(prop.get("MaxLength")) if prop.get("MaxLength") else None,
                "scale": prop.get("Scale"),
                "creatable": prop.get(f"{_SAP}creatable") != "false",
            }
        types[entity.name] = entity
    return types


@functools.cache
def entity_sets() -> list[str]:
    root = ElementTree.fromstring(metadata_bytes())
    return [node.get("Name") for node in root.iter(f"{_EDM}EntitySet")]


# ---- errors --------------------------------------------------------------------------------------------------------


class ODataError(Exception):
    """An answer in SAP Gateway's error format. `details` are (code, message, propertyref) triples."""

    def __init__(self, status: int, code: str, message: str, details=(), *, service: str = "API_SALES_ORDER_SRV",
                 component: str = "SD-SLS-API"):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = list(details) or [(code, message, "")]
        self.service, self.component = service, component

    def body(self) -> dict:
        return {
            "error": {
                "code": self.code,
                "message": {"lang": "en", "value": self.message},
                "innererror": {
                    "application": {
                        "component_id": self.component,
                        "service_namespace": "/SAP/",
                        "service_id": self.service,
                        "service_version": "0001",
                    },
                    "transactionid": secrets.token_hex(16).upper(),
                    "timestamp": timezone.now().strftime("%Y%m%d%H%M%S.%f") + "0",
                    "Error_Resolution": {
                        "SAP_Transaction": "",
                        "SAP_Note": "See SAP Note 1797736 for error analysis "
                        "(https://service.sap.com/sap/support/notes/1797736)",
                    },
                    "errordetails": [
                        {"code": code, "message": message, "propertyref": ref, "severity": "error",
                         "transition": False, "target": ""}
                        for code, message, ref in self.details
                    ],
                },
            }
        }

    def response(self) -> JsonResponse:
        response = JsonResponse(self.body(), status=self.status, content_type="application/json; charset=utf-8")
        response["dataserviceversion"] = "1.0"
        return response


def bad_request(message: str, **kwargs) -> ODataError:
    """A malformed request (as opposed to a business rejection): Gateway's technical exception."""
    return ODataError(400, "/IWBEP/CX_MGW_TECH_EXCEPTION", message, **kwargs)


# ---- $filter -------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<datetime>datetime(?:offset)?'[^']*')|(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)[mMdDlL]?"
    r"|(?P<paren>[()])|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise bad_request(f"Invalid $filter near '{text[position:position + 20]}'")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens, self.position = _tokens(text), 0

    def peek(self, *words) -> bool:
        if self.position >= len(self.tokens):
            return False
        kind, value = self.tokens[self.position]
        return value.lower() in words if kind in ("word", "paren") else False

    def take(self):
        if self.position >= len(self.tokens):
            raise bad_request("Invalid $filter: unexpected end")
        self.position += 1
        return self.tokens[self.position - 1]

    def expression(self):
        node = self.conjunction()
        while self.peek("or"):
            self.take()
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self):
        node = self.unary()
        while self.peek("and"):
            self.take()
            node = ("and", node, self.unary())
        return node

    def unary(self):
        if self.peek("not"):
            self.take()
            return ("not", self.unary())
        if self.peek("("):
            self.take()
            node = self.expression()
            if not self.peek(")"):
                raise bad_request("Invalid $filter: missing ')'")
            self.take()
            return node
        left = self.operand()
        kind, operator = self.take()
        if kind != "word" or operator.lower() not in _COMPARISONS:
            raise bad_request(f"Invalid $filter: operator '{operator}' is not supported by the sandbox")
        return ("cmp", operator.lower(), left, self.operand())

    def operand(self):
        kind, value = self.take()
        if kind == "string":
            return ("literal", value[1:-1].replace("''", "'"))
        if kind == "datetime":
            literal = value[value.index("'") + 1:-1].rstrip("Z")
            moment = dt.datetime.fromisoformat(literal)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
            return ("literal", moment)
        if kind == "number":
            return ("literal", Decimal(value))
        if kind == "word" and value in ("null", "true", "false"):
            return ("literal", {"null": None, "true": True, "false": False}[value])
        if kind == "word" and not self.peek("("):
            return ("property", value)
        raise bad_request(f"Invalid $filter: '{value}' is not supported by the sandbox")


def parse_filter(text: str):
    parser = _Parser(text)
    node = parser.expression()
    if parser.position != len(parser.tokens):
        raise bad_request(f"Invalid $filter: unexpected '{parser.tokens[parser.position][1]}'")
    return node


def _comparable(value):
    if isinstance(value, str) and value.startswith("/Date("):
        return parse_odata_datetime(value)
    return value


def evaluate(node, row: dict) -> bool:
    kind = node[0]
    if kind == "and":
        return evaluate(node[1], row) and evaluate(node[2], row)
    if kind == "or":
        return evaluate(node[1], row) or evaluate(node[2], row)
    if kind == "not":
        return not evaluate(node[1], row)
    _, operator, left, right = node
    a, b = (_comparable(row.get(x[1]) if x[0] == "property" else x[1]) for x in (left, right))
    if isinstance(a, Decimal) != isinstance(b, Decimal) and None not in (a, b):
        try:
            a, b = Decimal(str(a)), Decimal(str(b))
        except InvalidOperation:
            return False
    if operator == "eq":
        return a == b
    if operator == "ne":
        return a != b
    if a is None or b is None:
        return False
    try:
        return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[operator]
    except TypeError:
        return False


def equalities(node) -> dict[str, str]:
    """`Prop eq 'x'` terms that every match must satisfy (top-level and-chain): pushed down to the database."""
    if node[0] == "and":
        return {**equalities(node[1]), **equalities(node[2])}
    if node[0] == "cmp" and node[1] == "eq" and node[2][0] == "property" and node[3][0] == "literal" \
            and isinstance(node[3][1], str):
        return {node[2][1]: node[3][1]}
    return {}


# ---- query options and rendering ---------------------------------------------------------------------------------


def apply_query(rows: list[dict], params) -> tuple[list[dict], int]:
    """$filter, $orderby, $skip, $top on flat entities; returns (page, count before paging)."""
    if params.get("$filter"):
        node = parse_filter(params["$filter"])
        rows = [row for row in rows if evaluate(node, row)]
    for clause in reversed([c.strip() for c in params.get("$orderby", "").split(",") if c.strip()]):
        name, _, direction = clause.partition(" ")
        rows.sort(key=lambda row: (row.get(name) is None, _comparable(row.get(name)) or ""),
                  reverse=direction.strip().lower() == "desc")
    count = len(rows)
    try:
        skip, top = int(params.get("$skip") or 0), params.get("$top")
        rows = rows[skip:skip + int(top)] if top not in (None, "") else rows[skip:]
    except ValueError:
        raise bad_request("Invalid $skip or $top") from None
    return rows, count


def expand_paths(params) -> list[list[str]]:
    return [p.strip().split("/") for p in params.get("$expand", "").split(",") if p.strip()]


def select_list(params) -> list[str]:
    return [p.strip() for p in params.get("$select", "").split(",") if p.strip() and p.strip() != "*"]


def collection_body(entities: list[dict], count: int | None) -> dict:
    body = {"results": entities}
    if count is not None:
        body["__count"] = str(count)
    return {"d": body}


def render(values: dict, *, uri: str, type_name: str, properties: list[str], navigations: dict, expand: list[list[str]],
           select: list[str] = (), etag: str = "") -> dict:
    """One entity in V2 verbose JSON. `navigations` maps a name to a callable giving (kind, payload) when expanded:
    kind "many" → list of rendered children, "one" → one rendered entity or None."""
    out = {"__metadata": {"id": uri, "uri": uri, "type": type_name, **({"etag": etag} if etag else {})}}
    wanted = set(select)
    for name in properties:
        if not wanted or name in wanted:
            out[name] = values.get(name)
    for name, load in navigations.items():
        deeper = [path[1:] for path in expand if path and path[0] == name]
        if deeper:
            kind, payload = load([p for p in deeper if p])
            out[name] = {"results": payload} if kind == "many" else payload
        elif not wanted or name in wanted:
            out[name] = {"__deferred": {"uri": f"{uri}/{name}"}}
    return out
