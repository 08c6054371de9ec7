"""The admin: every model registered, crosswalks with history, logs read-only, the site header."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from crosswalk.models import ProductMapping
from handoff_project.integration.models import Event
from tests.factories import (
    DeadLetterFactory,
    HandoffExceptionFactory,
    HandoffFactory,
    ProductMappingFactory,
    TransformationLogFactory,
    handoff_event,
)

pytestmark = pytest.mark.django_db

CROSSWALK_TABLES = [
    "ProductMapping", "CustomerMapping", "PaymentTermsMapping", "TaxCodeMapping", "MaterialGroupLeadTime",
    "ContactMapping", "ContractMapping",
]
APPS = ["crosswalk", "erp_orders", "exceptions_queue", "integration", "sandbox"]


@pytest.fixture
def admin_client_with_data(admin_client):
    handoff = HandoffFactory(completed=True)
    handoff_event(handoff, "handoff_opened")
    TransformationLogFactory(handoff_id=handoff.pk)
    HandoffExceptionFactory(handoff=handoff)
    DeadLetterFactory()
    ProductMappingFactory()
    return admin_client


def test_every_model_of_the_project_apps_is_registered():
    unregistered = [
        model._meta.label
        for label in APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.label.split(".")[1].startswith("Historical") and not admin.site.is_registered(model)
    ]
    assert unregistered == []


def test_crosswalk_tables_keep_history_in_the_admin():
    for name in CROSSWALK_TABLES:
        model = apps.get_model("crosswalk", name)
        assert isinstance(admin.site._registry[model], SimpleHistoryAdmin), name


def test_every_changelist_and_change_page_renders(admin_client_with_data, django_user_model):
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if not admin.site.is_registered(model):
                continue
            opts = model._meta
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            assert admin_client_with_data.get(changelist).status_code == 200, changelist
            # the admin's own queryset: a proxy admin (e.g. proposed mappings) shows only some of the rows
            request = RequestFactory().get(changelist)
            request.user = django_user_model.objects.filter(is_superuser=True).first()
            obj = admin.site._registry[model].get_queryset(request).first()
            if obj is not None:
                change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
                assert admin_client_with_data.get(change).status_code == 200, change


def test_event_log_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, rf, admin_user):
    event = handoff_event(HandoffFactory(), "handoff_opened")
    model_admin = admin.site._registry[Event]
    request = rf.get("/admin/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert admin_client.get(reverse("admin:integration_event_add")).status_code == 403
    assert admin_client.post(reverse("admin:integration_event_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


def test_crosswalk_search_and_status_filter_work(admin_client):
    ProductMappingFactory(crm_product_name="Enterprise License, annual", material="TG-ENT-1Y")
    ProductMappingFactory(crm_product_name="Old widget", material="OLD-1", status="retired")
    url = reverse("admin:crosswalk_productmapping_changelist")
    found = admin_client.get(url, {"q": "TG-ENT"}).content.decode()
    assert "Enterprise License, annual" in found and "Old widget" not in found
    retired = admin_client.get(url, {"status__exact": "retired"}).content.decode()
    assert "Old widget" in retired and "Enterprise License, annual" not in retired


def test_retiring_a_mapping_from_the_admin_is_kept_in_its_history(admin_client):
    mapping = ProductMappingFactory()
    admin_client.post(
        reverse("admin:crosswalk_productmapping_changelist"),
        {"action": "mark_retired", "_selected_action": [mapping.pk]},
    )
    mapping.refresh_from_db()
    assert mapping.status == "retired"
    assert list(ProductMapping.history.filter(id=mapping.pk).values_list("status", flat=True)) == ["retired", "active"]


def test_admin_site_header(admin_client):
    assert "Handoff administration" in admin_client.get(reverse("admin:index")).content.decode()


def test_handoff_admin_links_to_the_ops_page():
    from erp_orders.models import Handoff

    handoff = HandoffFactory()
    assert admin.site._registry[Handoff].get_view_on_site_url(handoff) == reverse("ops:handoff-detail", args=[handoff.pk])
