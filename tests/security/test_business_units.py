"""Object-level access by business unit: a person limited to units sees and acts on only those units' handoffs —
in the ops UI (lists, detail pages, POST actions by direct URL) and in the API — while people without units, and
superusers, see everything as before."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from crm_sync.services import deal_summary
from erp_orders.models import Approval, Handoff
from exceptions_queue.models import BusinessUnitAccess, DeadLetter, HandoffException
from handoff_project.integration.canonical import Deal, from_dict
from tests.factories import (
    DeadLetterFactory,
    HandoffExceptionFactory,
    HandoffFactory,
    UserFactory,
    handoff_awaiting_approval,
    handoff_event,
)

pytestmark = pytest.mark.django_db

EMEA, HARDWARE = "EMEA Services", "Hardware"


def user_with(roles, units=(), **fields):
    user = UserFactory(roles=list(roles), **fields)
    for unit in units:
        BusinessUnitAccess.objects.create(user=user, business_unit=unit)
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_units():
    """One approval, exception, dead letter and event per unit, and one handoff without a unit."""
    mine = handoff_awaiting_approval(level="high", business_unit="emea services")  # case differs on purpose
    theirs = handoff_awaiting_approval(level="high", business_unit=HARDWARE)
    nobodys = HandoffFactory(business_unit="")
    return {
        "mine": mine, "theirs": theirs, "nobodys": nobodys,
        "my_exc": HandoffExceptionFactory(handoff=HandoffFactory(business_unit=EMEA, state="exception")),
        "their_exc": HandoffExceptionFactory(handoff=HandoffFactory(business_unit=HARDWARE, state="exception")),
        "my_letter": DeadLetterFactory(handoff=HandoffFactory(business_unit=EMEA, state="dead")),
        "their_letter": DeadLetterFactory(handoff=HandoffFactory(business_unit=HARDWARE, state="dead")),
        "my_event": handoff_event(mine, "handoff_opened"), "their_event": handoff_event(theirs, "handoff_opened"),
    }


def listed_ids(client, url) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    return {obj.pk for obj in response.context["object_list"]}


def api_ids(api, url) -> set[int]:
    response = api.get(url)
    assert response.status_code == 200, url
    return {row["id"] for row in response.json()["results"]}


def test_unit_scoped_approver_sees_and_decides_only_their_units_approvals(two_units):
    mine, theirs = two_units["mine"], two_units["theirs"]
    client = signed_in(user_with(["approver"], [EMEA]))

    queue = {a.handoff_id for a in client.get(reverse("ops:approval-list")).context["approvals"]}
    assert queue == {mine.pk}
    assert client.get(reverse("ops:approval-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("ops:approval-detail", args=[theirs.pk])).status_code == 404

    decide = reverse("ops:approval-decide", args=[theirs.pk])
    assert client.post(decide, {"decision": "reject", "comment": "not mine"}).status_code == 404
    assert Approval.objects.get(handoff=theirs).state == Approval.objects.get(handoff=mine).state  # untouched: still open
    assert theirs.approvals.get().is_open

    queue_page = client.get(reverse("ops:approval-list")).content.decode()
    assert 'data-testid="my-business-units">· business units: emea services' in queue_page
    detail = client.get(reverse("ops:approval-detail", args=[mine.pk])).content.decode()
    assert 'data-testid="business-unit">emea services<' in detail

    response = client.post(reverse("ops:approval-decide", args=[mine.pk]), {"decision": "reject", "comment": "too risky"})
    assert response.status_code == 302
    assert not mine.approvals.get().is_open


def test_unit_scoped_user_sees_only_their_units_handoffs_and_gets_404_for_others(two_units):
    client = signed_in(user_with(["ops"], [EMEA]))
    listed = listed_ids(client, reverse("ops:handoff-list"))
    assert two_units["mine"].pk in listed
    assert not listed & {two_units["theirs"].pk, two_units["nobodys"].pk, two_units["their_exc"].handoff_id}
    assert client.get(reverse("ops:handoff-detail", args=[two_units["mine"].pk])).status_code == 200
    for other in (two_units["theirs"], two_units["nobodys"]):
        assert client.get(reverse("ops:handoff-detail", args=[other.pk])).status_code == 404
    # re-queue by direct URL: 404, and the dead handoff stays dead
    their_dead = two_units["their_letter"].handoff
    assert client.post(reverse("ops:handoff-requeue", args=[their_dead.pk])).status_code == 404
    assert Handoff.objects.get(pk=their_dead.pk).state == "dead"


def test_unit_scoped_ops_cannot_see_or_act_on_another_units_exceptions_and_dead_letters(two_units):
    me = user_with(["ops"], [EMEA])
    client = signed_in(me)
    my_exc, their_exc = two_units["my_exc"], two_units["their_exc"]
    my_letter, their_letter = two_units["my_letter"], two_units["their_letter"]

    assert listed_ids(client, reverse("ops:exception-list")) == {my_exc.pk}
    assert client.get(reverse("ops:exception-detail", args=[their_exc.pk])).status_code == 404
    assert client.post(reverse("ops:exception-assign", args=[their_exc.pk]), {"assignee": "me"}).status_code == 404
    assert client.post(reverse("ops:exception-resolve", args=[their_exc.pk]),
                       {"how": "override", "reason": "agreed"}).status_code == 404
    client.post(reverse("ops:exception-bulk"), {"ids": [my_exc.pk, their_exc.pk], "operation": "assign", "assignee": me.pk})
    assignees = dict(HandoffException.objects.filter(pk__in=[my_exc.pk, their_exc.pk]).values_list("pk", "assignee"))
    assert assignees[my_exc.pk] is not None and assignees[their_exc.pk] is None

    assert listed_ids(client, reverse("ops:dead-letter-list")) == {my_letter.pk}
    assert client.get(reverse("ops:dead-letter-detail", args=[their_letter.pk])).status_code == 404
    assert client.post(reverse("ops:dead-letter-discard", args=[their_letter.pk]), {"reason": "dup"}).status_code == 404
    assert client.post(reverse("ops:dead-letter-edit", args=[their_letter.pk]), {"payload": "{}"}).status_code == 404
    client.post(reverse("ops:dead-letter-bulk-requeue"), {"ids": [their_letter.pk]})
    assert DeadLetter.objects.get(pk=their_letter.pk).state == DeadLetter.State.OPEN

    assert client.get(reverse("ops:event-bodies", args=[two_units["their_event"].pk])).status_code == 404
    assert client.get(reverse("ops:event-bodies", args=[two_units["my_event"].pk])).status_code == 200
    history = client.get(reverse("ops:deal-history") + f"?crm_id={two_units['theirs'].crm_record_id}")
    assert history.context["handoffs"] == [] and list(history.context["events"]) == []


def test_the_api_is_scoped_to_the_users_units_like_the_ops_ui(two_units):
    api = APIClient()
    api.force_authenticate(user_with(["viewer"], [EMEA]))
    handoffs = api_ids(api, "/api/handoffs/?limit=500")
    assert two_units["mine"].pk in handoffs and two_units["theirs"].pk not in handoffs
    assert two_units["nobodys"].pk not in handoffs
    assert api.get(f"/api/handoffs/{two_units['theirs'].pk}/").status_code == 404
    assert api.get(f"/api/handoffs/{two_units['mine'].pk}/").status_code == 200
    assert api_ids(api, "/api/exceptions/?limit=500") == {two_units["my_exc"].pk}
    events = api_ids(api, "/api/events/?limit=500")
    assert two_units["my_event"].pk in events and two_units["their_event"].pk not in events


@pytest.mark.parametrize("who", ["approver without units", "superuser with a unit"])
def test_users_without_units_and_superusers_see_every_unit(two_units, who):
    user = user_with(["approver"]) if who == "approver without units" else user_with([], [EMEA], is_superuser=True)
    client = signed_in(user)
    queue = {a.handoff_id for a in client.get(reverse("ops:approval-list")).context["approvals"]}
    assert {two_units["mine"].pk, two_units["theirs"].pk} <= queue
    listed = listed_ids(client, reverse("ops:handoff-list"))
    assert {two_units["mine"].pk, two_units["theirs"].pk, two_units["nobodys"].pk} <= listed
    assert client.get(reverse("ops:approval-detail", args=[two_units["theirs"].pk])).status_code == 200
    response = client.post(reverse("ops:approval-decide", args=[two_units["theirs"].pk]), {"decision": "hold", "comment": "wait"})
    assert response.status_code == 302
    api = APIClient()
    api.force_authenticate(user)
    assert api.get(f"/api/handoffs/{two_units['theirs'].pk}/").status_code == 200


def test_a_user_with_several_units_sees_each_of_them(two_units):
    client = signed_in(user_with(["approver"], [EMEA, "hardware"]))
    queue = {a.handoff_id for a in client.get(reverse("ops:approval-list")).context["approvals"]}
    assert queue == {two_units["mine"].pk, two_units["theirs"].pk}


def test_the_handoff_keeps_the_deals_business_unit_as_a_column_from_fetch():
    deal = from_dict(Deal, {**HandoffFactory.build().deal, "business_unit": EMEA})
    assert deal_summary(deal)["business_unit"] == EMEA


def test_a_unit_limited_staff_account_sees_only_the_crosswalks_in_the_admin(two_units):
    """The admin's lists are not filtered by unit, so a limited account keeps to the ops UI and the API for deals."""
    from tests.factories import ProductMappingFactory

    mapping = ProductMappingFactory()
    limited = signed_in(user_with(["master_data"], [EMEA], is_staff=True))
    unlimited = signed_in(user_with(["master_data"], is_staff=True))
    for url in ["/admin/erp_orders/handoff/", f"/admin/erp_orders/handoff/{two_units['theirs'].pk}/change/",
                "/admin/integration/event/", "/admin/exceptions_queue/handoffexception/", "/admin/erp_orders/approval/"]:
        assert limited.get(url).status_code == 403, url
        assert unlimited.get(url).status_code == 200, url
    assert limited.get(f"/admin/crosswalk/productmapping/{mapping.pk}/change/").status_code == 200


def test_a_limited_user_sees_only_their_units_alerts_and_not_the_records_behind_the_metrics(two_units):
    from exceptions_queue.models import Alert

    mine = Alert.objects.create(channel="log", title="mine", text="t", handoff=two_units["mine"])
    theirs = Alert.objects.create(channel="log", title="theirs", text="t", handoff=two_units["theirs"])
    outage = Alert.objects.create(channel="log", title="SAP is down", text="t")
    limited, unlimited = signed_in(user_with(["ops"], [EMEA])), signed_in(user_with(["ops"]))
    shown = list(limited.get(reverse("ops:alert-list")).context["alerts"])
    assert {mine.pk, outage.pk} <= {a.pk for a in shown} and theirs.pk not in {a.pk for a in shown}
    assert all(a.handoff is None or a.handoff.business_unit.lower() == EMEA.lower() for a in shown)
    assert {mine.pk, theirs.pk, outage.pk} <= {a.pk for a in unlimited.get(reverse("ops:alert-list")).context["alerts"]}
    records = reverse("ops:metric-records", args=["automation_rate"])
    assert limited.get(records).status_code == 403 and unlimited.get(records).status_code == 200
    assert limited.get(reverse("ops:dashboard")).status_code == 200  # the numbers stay visible


def test_the_customer_history_on_an_approval_leaves_out_another_units_orders(two_units):
    mine = two_units["mine"]
    other_unit_order = HandoffFactory(business_unit=HARDWARE, customer_name=mine.customer_name, erp_order_number="4711",
                                      order_request=mine.order_request)
    same_unit_order = HandoffFactory(business_unit=EMEA, customer_name=mine.customer_name, erp_order_number="4712",
                                     order_request=mine.order_request)
    limited = signed_in(user_with(["approver"], [EMEA])).get(reverse("ops:approval-detail", args=[mine.pk]))
    unlimited = signed_in(user_with(["approver"])).get(reverse("ops:approval-detail", args=[mine.pk]))
    assert {h.pk for h in limited.context["ctx"].customer.orders} == {same_unit_order.pk}
    assert {h.pk for h in unlimited.context["ctx"].customer.orders} >= {same_unit_order.pk, other_unit_order.pk}
