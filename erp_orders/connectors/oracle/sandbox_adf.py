"""Oracle's ADF REST conventions as the Fusion emulator serves them: `q`, `fields`, `expand`, `onlyData`, `limit`,
`offset`, `orderBy`, `totalResults`, collection envelopes, item links and error bodies.

Every Fusion REST resource behaves this way ("REST API for Oracle Fusion Cloud SCM", Quick Start and each resource's
"Get all" page), so the sales order, price list and item cost views share this module:

* `q` — with REST-Framework-Version 2 and later an expression (`A='x' and (B=1 or B=2)`, operators = != <> < <= > >=
  LIKE, `%` wildcards, quoted strings, numbers, null); with version 1 (or no header) query-by-example, criteria
  separated by `;` (`A=x;B=y`). A `;` list under version 2+ is refused with 400, as ADF does.
* a collection answers `{"items", "count", "hasMore", "limit", "offset", "links"}` (+ `totalResults` when asked);
  limit 25 by default, 500 at most. An item carries `links` (self, canonical, child collections) unless `onlyData`.
* child collections are included with `expand` (`all`, `lines`, `Child.NestedChild`) or named in `fields`
  (`A,B;lines:C`): a list with framework versions 1–2, a collection object from version 3 on.
* errors: version 4 → `application/vnd.oracle.adf.error+json` `{"title", "status", "o:errorDetails": [{"detail",
  "o:errorCode", "o:errorPath"}]}`; earlier versions → text/plain, one message a line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.http import HttpResponse

from .mappers import plain_number, to_json

ITEM_TYPE = "application/vnd.oracle.adf.resourceitem+json"
COLLECTION_TYPE = "application/vnd.oracle.adf.resourcecollection+json"
ERROR_TYPE = "application/vnd.oracle.adf.error+json"
DEFAULT_LIMIT, MAX_LIMIT = 25, 500
TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict"}


class AdfError(Exception):
    """An ADF error answer: one or more (code, detail, path) messages."""

    def __init__(self, status: int, details: list[tuple[str, str, str]]):
        super().__init__(details[0][1] if details else TITLES.get(status, "Error"))
        self.status, self.details = status, details

    def response(self, version: int) -> HttpResponse:
        if version >= 4:
            body = {"title": TITLES.get(self.status, "Error"), "status": str(self.status),
                    "o:errorDetails": [{"detail": detail, "o:errorCode": code, **({"o:errorPath": path} if path else {})}
                                       for code, detail, path in self.details]}
            return HttpResponse(json.dumps(body, ensure_ascii=False), status=self.status, content_type=ERROR_TYPE)
        text = "\n".join(f"{code}: {detail}" if code else detail for code, detail, _path in self.details)
        return HttpResponse(text, status=self.status, content_type="text/plain; charset=utf-8")


def bad_request(detail: str, code: str = "", path: str = "") -> AdfError:
    return AdfError(400, [(code, detail, path)])


def framework_version(request) -> int:
    try:
        return max(1, int(request.headers.get("REST-Framework-Version", "1")))
    except ValueError:
        raise bad_request("The REST-Framework-Version header must be a number such as 4.") from None


# ---- q ------------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:(?P<string>'[^']*'|"[^"]*")|(?P<number>-?\d+(?:\.\d+)?)(?![\w.])|(?P<op><>|!=|<=|>=|=|<|>)"""
                    r"""|(?P<paren>[()])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))""")


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position, text = [], 0, text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise bad_request(f"The q parameter {text!r} can't be parsed near {text[position:position + 20]!r}.")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def parse_q(text: str, version: int, attributes: set[str]):
    """A predicate over a flat record for the `q` parameter."""
    if version < 2:  # query-by-example: A=x;B=y, every criterion an equality
        criteria = []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            name, _, value = part.partition("=")
            _check_attribute(name.strip(), attributes)
            criteria.append((name.strip(), value.strip().strip("'\"")))
        return lambda record: all(_text(record.get(n)) == v for n, v in criteria)
    if ";" in text and not re.search(r"'[^']*;[^']*'", text):
        raise bad_request(f"The q parameter {text!r} isn't valid: with REST-Framework-Version {version} join "
                          "criteria with 'and' or 'or', not ';'.")
    tokens = _tokens(text)
    predicate, rest = _expression(tokens, attributes)
    if rest:
        raise bad_request(f"The q parameter {text!r} can't be parsed near {rest[0][1]!r}.")
    return predicate


def _expression(tokens, attributes):
    left, tokens = _term(tokens, attributes)
    while tokens and tokens[0][0] == "word" and tokens[0][1].lower() in ("and", "or"):
        joiner = tokens[0][1].lower()
        right, tokens = _term(tokens[1:], attributes)
        left = (lambda a, b: lambda r: a(r) and b(r))(left, right) if joiner == "and" else \
            (lambda a, b: lambda r: a(r) or b(r))(left, right)
    return left, tokens


def _term(tokens, attributes):
    if not tokens:
        raise bad_request("The q parameter ends where a condition was expected.")
    if tokens[0] == ("paren", "("):
        inner, rest = _expression(tokens[1:], attributes)
        if not rest or rest[0] != ("paren", ")"):
            raise bad_request("The q parameter has an unclosed parenthesis.")
        return inner, rest[1:]
    if len(tokens) < 3 or tokens[0][0] != "word":
        raise bad_request("The q parameter needs conditions of the form Attribute operator value.")
    (_, name), (kind, op), (value_kind, raw) = tokens[:3]
    if kind == "word" and op.upper() == "LIKE":
        op = "LIKE"
    elif kind != "op":
        raise bad_request(f"The q parameter has {op!r} where an operator was expected.")
    _check_attribute(name, attributes)
    value = None if value_kind == "word" and raw.lower() == "null" else raw[1:-1] if value_kind == "string" else raw
    return (lambda record: _compare(record.get(name), op, value)), tokens[3:]


def _check_attribute(name: str, attributes: set[str]) -> None:
    if name not in attributes:
        raise bad_request(f"The attribute {name} in the q parameter isn't a queryable attribute of this resource.")


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Decimal, int)):
        return plain_number(value)
    return "" if value is None else str(value)


def _compare(actual, op: str, expected) -> bool:
    if expected is None:
        return (actual is None) == (op == "=")
    if op == "LIKE":
        pattern = "^" + ".*".join(re.escape(p) for p in expected.replace("*", "%").split("%")) + "$"
        return bool(re.match(pattern, _text(actual), re.I))
    left, right = _text(actual), expected
    try:
        left, right = Decimal(left), Decimal(right)
    except InvalidOperation:
        pass
    return {"=": left == right, "!=": left != right, "<>": left != right, "<": left < right, "<=": left <= right,
            ">": left > right, ">=": left >= right}[op]


# ---- rendering --------------------------------------------------------------------------------------------------


@dataclass
class Node:
    """One resource item: its attributes, its URL and name, and its child collections (accessor → nodes)."""

    attributes: dict
    href: str
    name: str
    children: dict[str, list["Node"]] = field(default_factory=dict)


@dataclass
class Options:
    version: int = 1
    fields: dict[str, list[str]] | None = None  # accessor path ("" for the item itself) → attributes
    expand: set[str] = field(default_factory=set)
    only_data: bool = False

    @classmethod
    def from_request(cls, request) -> Options:
        fields = None
        if request.GET.get("fields"):
            fields = {}
            for part in request.GET["fields"].split(";"):
                path, _, names = part.rpartition(":") if ":" in part else ("", "", part)
                fields[path] = [n.strip() for n in names.split(",") if n.strip()]
        expand = set()
        for path in filter(None, (p.strip() for p in request.GET.get("expand", "").split(","))):
            steps = path.split(".")
            expand.update(".".join(steps[: i + 1]) for i in range(len(steps)))
        return cls(framework_version(request), fields, expand, request.GET.get("onlyData", "").lower() == "true")

    def includes(self, path: str) -> bool:
        if self.fields is not None:  # "fields" wins over "expand", as ADF documents
            return path in self.fields
        return "all" in self.expand or path in self.expand


def render(node: Node, options: Options, path: str = "") -> dict:
    wanted = options.fields.get(path) if options.fields is not None else None
    body = {k: v for k, v in node.attributes.items() if wanted is None or k in wanted}
    for accessor, nodes in node.children.items():
        child_path = f"{path}.{accessor}" if path else accessor
        if options.includes(child_path):
            rendered = [render(n, options, child_path) for n in nodes]
            href = f"{node.href}/child/{accessor}"
            body[accessor] = envelope(rendered, href=href, name=accessor, limit=len(rendered) or DEFAULT_LIMIT,
                                      options=options) if options.version >= 3 else rendered
    if not options.only_data:
        body["links"] = [_link("self", node.href, node.name, "item"), _link("canonical", node.href, node.name, "item"),
                         *[_link("child", f"{node.href}/child/{a}", a, "collection") for a in node.children]]
    return body


def envelope(items: list[dict], *, href: str, name: str, limit: int, options: Options, offset: int = 0,
             has_more: bool = False, total: int | None = None) -> dict:
    body = {"items": items, **({"totalResults": total} if total is not None else {}), "count": len(items),
            "hasMore": has_more, "limit": limit, "offset": offset}
    if not options.only_data:
        body["links"] = [_link("self", href, name, "collection")]
    return body


def _link(rel: str, href: str, name: str, kind: str) -> dict:
    return {"rel": rel, "href": href, "name": name, "kind": kind}


def collection(request, nodes: list[Node], *, href: str, name: str, queryable: set[str] | None = None) -> dict:
    """A queried, sorted and paged collection of `nodes` as ADF answers `GET <resource>`."""
    options = Options.from_request(request)
    if request.GET.get("q"):
        keep = parse_q(request.GET["q"], options.version, queryable or _attribute_names(nodes))
        nodes = [n for n in nodes if keep(n.attributes)]
    for spec in reversed([s for s in request.GET.get("orderBy", "").split(",") if s.strip()]):
        attribute, _, direction = spec.strip().partition(":")
        nodes.sort(key=lambda n: _sort_key(n.attributes.get(attribute)), reverse=direction.lower() == "desc")
    try:
        limit = min(int(request.GET.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
        offset = max(int(request.GET.get("offset", 0)), 0)
    except ValueError:
        raise bad_request("The limit and offset parameters must be whole numbers.") from None
    page = nodes[offset: offset + limit]
    total = len(nodes) if request.GET.get("totalResults", "").lower() == "true" else None
    return envelope([render(n, options) for n in page], href=href, name=name, limit=limit, offset=offset,
                    has_more=offset + limit < len(nodes), total=total, options=options)


def _attribute_names(nodes: list[Node]) -> set[str]:
    return set().union(*(n.attributes for n in nodes)) if nodes else set()


def _sort_key(value):
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return (0, Decimal(value), "")
    return (1, Decimal(0), _text(value))


def json_response(body: dict, *, status: int = 200, content_type: str = ITEM_TYPE) -> HttpResponse:
    """JSON with Decimals as numbers (amounts exactly as stored)."""
    return HttpResponse(to_json(body), status=status, content_type=content_type)
