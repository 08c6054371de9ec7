"""The sandbox's SOQL subset, on in-memory records (no database, no HTTP)."""

from __future__ import annotations

import pytest

from crm_sync.connectors.salesforce.ids import to_18
from crm_sync.connectors.salesforce.sandbox_schema import SandboxApiError
from crm_sync.connectors.salesforce.sandbox_soql import run_query

ACME = to_18("0015g000000Acme")
OPP1, OPP2, OPP3 = (to_18(f"0065g000000Opp{n}") for n in (1, 2, 3))
ACCOUNTS = {
    ACME: {"Id": ACME, "Name": "Acme Corp"},
}
OPPORTUNITIES = [
    {"Id": OPP1, "Name": "Acme renewal", "AccountId": ACME, "StageName": "Closed Won",
     "IsWon": True, "Amount": 1200.5, "CloseDate": "2025-03-01"},
    {"Id": OPP2, "Name": "Acme upsell", "AccountId": ACME, "StageName": "Prospecting",
     "IsWon": False, "Amount": None, "CloseDate": "2025-06-30"},
    {"Id": OPP3, "Name": "Orphan deal", "AccountId": None, "StageName": "Closed Lost",
     "IsWon": False, "Amount": 90, "CloseDate": "2025-01-15"},
]  # fmt: skip


def query(soql: str) -> list[dict]:
    return run_query(soql, lambda name: OPPORTUNITIES if name == "Opportunity" else [], ACCOUNTS.get)


def ids(records) -> list[str]:
    return [r["Id"][12:15] for r in records]


def test_select_returns_attributes_and_only_the_selected_fields_in_declared_spelling():
    (record,) = query("select id, stagename from opportunity where name = 'ACME RENEWAL'")
    assert record == {
        "attributes": {"type": "Opportunity", "url": f"/services/data/v61.0/sobjects/Opportunity/{OPP1}"},
        "Id": OPP1,
        "StageName": "Closed Won",
    }


def test_where_with_and_compares_text_case_insensitively_and_booleans_and_numbers_by_value():
    assert ids(query("SELECT Id FROM Opportunity WHERE StageName = 'closed won' AND IsWon = true")) == ["pp1"]
    assert ids(query("SELECT Id FROM Opportunity WHERE Amount > 100")) == ["pp1"]
    assert ids(query("SELECT Id FROM Opportunity WHERE Amount = null")) == ["pp2"]
    assert ids(query("SELECT Id FROM Opportunity WHERE Amount != null AND IsWon = false")) == ["pp3"]
    assert ids(query("SELECT Id FROM Opportunity WHERE CloseDate >= 2025-03-01")) == ["pp1", "pp2"]
    assert ids(query("SELECT Id FROM Opportunity WHERE StageName IN ('Prospecting', 'Closed Lost')")) == ["pp2", "pp3"]
    assert ids(query("SELECT Id FROM Opportunity WHERE StageName NOT IN ('Prospecting')")) == ["pp1", "pp3"]
    assert ids(query("SELECT Id FROM Opportunity WHERE Name LIKE 'acme%'")) == ["pp1", "pp2"]


def test_a_fifteen_character_id_matches_its_eighteen_character_form():
    assert ids(query("SELECT Id FROM Opportunity WHERE Id = '0065g000000Opp2'")) == ["pp2"]
    assert query("SELECT Id FROM Opportunity WHERE Id = '0065g000000opp2'") == []  # ids are case-sensitive


def test_escaped_quotes_in_literals_are_understood():
    OPPORTUNITIES.append({"Id": to_18("0065g000000Opp4"), "Name": "O'Brien's deal", "StageName": "Prospecting"})
    try:
        assert ids(query(r"SELECT Id FROM Opportunity WHERE Name = 'O\'Brien\'s deal'")) == ["pp4"]
    finally:
        OPPORTUNITIES.pop()


def test_order_by_limit_and_offset_with_salesforces_null_placement():
    assert ids(query("SELECT Id FROM Opportunity ORDER BY Amount")) == ["pp2", "pp3", "pp1"]  # nulls first
    assert ids(query("SELECT Id FROM Opportunity ORDER BY Amount DESC")) == ["pp1", "pp3", "pp2"]  # nulls last
    assert ids(query("SELECT Id FROM Opportunity ORDER BY Amount ASC NULLS LAST LIMIT 2")) == ["pp3", "pp1"]
    assert ids(query("SELECT Id FROM Opportunity ORDER BY CloseDate LIMIT 1 OFFSET 1")) == ["pp1"]


def test_parent_fields_are_nested_as_the_rest_api_nests_them():
    records = query("SELECT Id, Account.Name FROM Opportunity WHERE Account.Name = 'acme corp' ORDER BY Name")
    assert records[0]["Account"] == {
        "attributes": {"type": "Account", "url": f"/services/data/v61.0/sobjects/Account/{ACME}"},
        "Name": "Acme Corp",
    }
    assert len(records) == 2
    orphan = query("SELECT Id, Account.Name FROM Opportunity WHERE AccountId = null")
    assert orphan[0]["Account"] is None


@pytest.mark.parametrize(
    "soql, code, says",
    [
        ("SELECT Id FROM Opportunity WHERE Name = 'a' OR Name = 'b'", "MALFORMED_QUERY", "OR"),
        ("SELECT COUNT() FROM Opportunity", "MALFORMED_QUERY", "functions"),
        ("SELECT Id FROM Opportunity WHERE", "MALFORMED_QUERY", "end of the query"),
        ("SELECT Id FROM Opportunity WHERE Name = ", "MALFORMED_QUERY", "value is missing"),
        ("UPDATE Opportunity", "MALFORMED_QUERY", "expected SELECT"),
        ("SELECT Id FROM Opportunity LIMIT ten", "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Id FROM Opportunity WHERE Name = 'unterminated", "MALFORMED_QUERY", "unexpected character"),
        ("SELECT Id, Colour__c FROM Opportunity", "INVALID_FIELD", "No such column 'Colour__c'"),
        ("SELECT Id, Owner.Name FROM Opportunity", "INVALID_FIELD", "relationship 'Owner'"),
        ("SELECT Id FROM Invoice__c", "INVALID_TYPE", "Invoice__c"),
        ("", "MALFORMED_QUERY", "empty"),
    ],
)
def test_what_the_sandbox_cannot_parse_is_answered_with_salesforces_error_codes(soql, code, says):
    with pytest.raises(SandboxApiError) as caught:
        query(soql)
    assert caught.value.status == 400
    assert caught.value.code == code
    assert says in caught.value.message
