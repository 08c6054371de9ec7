"""API serializers: read-only views of handoffs, exceptions, events and resolutions, and the resolve request."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_field
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crosswalk.models import TransformationLog
from crosswalk.resolvers import KINDS
from erp_orders.models import Handoff
from exceptions_queue import selectors
from exceptions_queue.models import HandoffException
from handoff_project.integration.models import Event

HANDOFF_FIELDS = [
    "id", "crm_system", "crm_record_id", "state", "risk_level", "erp_system", "erp_order_number", "deal_name",
    "customer_name", "amount", "currency", "flagged", "writeback_status", "received_at", "updated_at",
]


class NamedChoiceField(serializers.ChoiceField):
    """A choice field whose choices appear in the schema as their own named enum component.

    Handoffs and exceptions both have a `state` with different choices; naming the exception's enum keeps the
    generated schema free of drf-spectacular's enum-collision warning without touching project settings.
    """

    def __init__(self, *, component_name: str, **kwargs):
        self.component_name = component_name
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "handoff_project.api.serializers.NamedChoiceField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        component = ResolvedComponent(
            name=field.component_name,
            type=ResolvedComponent.SCHEMA,
            object=field.component_name,
            schema={**build_choice_field(field), "description": "\n".join(f"* `{k}` - {v}" for k, v in field.choices.items())},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class HandoffSerializer(serializers.ModelSerializer):
    class Meta:
        model = Handoff
        fields = HANDOFF_FIELDS
        read_only_fields = fields


class TransformationLogSerializer(serializers.ModelSerializer):
    confidence = serializers.FloatField(help_text="0..1")

    class Meta:
        model = TransformationLog
        fields = ["id", "created_at", "kind", "field", "input_text", "output", "rule", "confidence", "accepted", "candidates"]
        read_only_fields = fields


class HandoffExceptionSerializer(serializers.ModelSerializer):
    crm_record_id = serializers.CharField(source="handoff.crm_record_id", read_only=True)
    state = NamedChoiceField(choices=HandoffException.State.choices, component_name="ExceptionStateEnum", read_only=True)

    class Meta:
        model = HandoffException
        fields = [
            "id", "handoff", "crm_record_id", "type", "team", "state", "field", "message", "detail", "created_at",
            "escalate_at", "resolved_at",
        ]
        read_only_fields = fields


class HandoffDetailSerializer(HandoffSerializer):
    resolutions = serializers.SerializerMethodField()
    exceptions = HandoffExceptionSerializer(many=True, read_only=True)
    events_count = serializers.SerializerMethodField()

    class Meta(HandoffSerializer.Meta):
        fields = [*HANDOFF_FIELDS, "risk_factors", "closed_reason", "resolutions", "exceptions", "events_count"]
        read_only_fields = fields

    @extend_schema_field(TransformationLogSerializer(many=True))
    def get_resolutions(self, handoff) -> list:
        return TransformationLogSerializer(selectors.handoff_resolutions(handoff.pk), many=True).data

    @extend_schema_field(OpenApiTypes.INT)
    def get_events_count(self, handoff) -> int:
        return selectors.handoff_event_count(handoff.pk)


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = [
            "id", "created_at", "event_type", "system", "outcome", "crm_record_id", "erp_order_number", "handoff_id",
            "method", "endpoint", "http_status", "duration_ms", "message", "request_body", "body", "data",
        ]
        read_only_fields = fields


class StringOnlyField(serializers.CharField):
    """A CharField that takes only a string: DRF's would turn a JSON number or boolean into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ResolveRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=KINDS,
        error_messages={"invalid_choice": f'unknown kind "{{input}}"; use one of {", ".join(KINDS)}.'},
    )
    text = StringOnlyField(required=False, allow_blank=True, default="", trim_whitespace=False)
    context = serializers.DictField(
        required=False,
        default=dict,
        help_text='Keys that confirm a match, e.g. {"vat_id": …, "country": …} for customers, {"product_code": …} for products.',
    )


class CandidateSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The ERP identifier (material, business partner, terms key…).")
    label = serializers.CharField()
    confidence = serializers.FloatField()
    reason = serializers.CharField()


class ResolutionSerializer(serializers.Serializer):
    """The shape of crosswalk.resolvers.Resolution.as_dict(); candidates may carry extra kind-specific keys."""

    kind = serializers.CharField()
    input = serializers.CharField()
    match = CandidateSerializer(allow_null=True, help_text="The accepted match, or null when a person must decide.")
    confidence = serializers.FloatField()
    rule = serializers.CharField()
    accepted = serializers.BooleanField()
    threshold = serializers.FloatField()
    candidates = CandidateSerializer(many=True)
