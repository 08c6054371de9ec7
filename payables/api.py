"""/api/payables/ — upload documents and read invoices, their fields (with confidences), lines and exceptions."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from handoff_project.api.pagination import CheckedLimitOffsetPagination
from handoff_project.api.permissions import API_AUTHENTICATION, ReadForRolesUploadForOps
from handoff_project.api.schema import ApiAutoSchema
from matching.documents import CONFIRM_BELOW

from . import selectors, services
from .models import Invoice, InvoiceField, InvoiceLine


class InvoiceFieldSerializer(serializers.ModelSerializer):
    needs_confirmation = serializers.SerializerMethodField()

    class Meta:
        model = InvoiceField
        fields = ["name", "value", "confidence", "source", "confirmed_at", "needs_confirmation"]

    def get_needs_confirmation(self, field) -> bool:
        return field.confidence < CONFIRM_BELOW and field.confirmed_at is None


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["line_id", "description", "quantity", "unit", "unit_price", "amount", "product_code", "po_item",
                  "confidence"]


class InvoiceSerializer(serializers.ModelSerializer):
    fields_read = InvoiceFieldSerializer(source="fields", many=True, read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    exceptions = serializers.SerializerMethodField()
    purchase_order = serializers.CharField(source="purchase_order.number", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Invoice
        fields = ["id", "status", "original_name", "format", "invoice_number", "issue_date", "due_date", "seller_name",
                  "seller_vat", "buyer_name", "currency", "net_total", "tax_total", "gross_total", "due_payable",
                  "po_reference", "payment_terms", "purchase_order", "warnings", "received_at", "matched_at",
                  "fields_read", "lines", "exceptions"]

    def get_exceptions(self, invoice) -> list[dict]:
        return [{"id": e.pk, "type": e.type, "team": e.team, "state": e.state, "message": e.message,
                 "action": e.detail.get("action", "")} for e in invoice.exceptions.all()]


class InvoiceQuerySerializer(serializers.Serializer):
    """The list's query parameters, checked (a NUL byte, which PostgreSQL cannot search for, is a 400)."""

    status = serializers.CharField(required=False, allow_blank=True)
    q = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class UploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("status", str, description="Invoice status (exact), e.g. on_hold."),
        OpenApiParameter("q", str, description="Text in the invoice number, seller, PO reference or file name."),
    ]),
    create=extend_schema(
        request={"multipart/form-data": {
            "type": "object", "required": ["files"],
            "properties": {"files": {"type": "array", "minItems": 1, "items": {"type": "string", "format": "binary"}}},
        }},
        responses={201: {"type": "array", "items": {"$ref": "#/components/schemas/Invoice"}}},
        parameters=[OpenApiParameter("process", str, description="sync: read and match before answering.")],
    ),
)
class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """GET invoices (?status=, ?q=); POST multipart `files` (one or many) to upload: 201 with the new invoices,
    `?process=sync` reads and matches them before answering."""

    serializer_class = InvoiceSerializer
    authentication_classes = API_AUTHENTICATION  # token first: anonymous gets 401 as on the rest of /api/
    permission_classes = [ReadForRolesUploadForOps]
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = CheckedLimitOffsetPagination
    schema = ApiAutoSchema()

    def get_queryset(self):
        query = InvoiceQuerySerializer(data=self.request.query_params if self.action == "list" else {})
        query.is_valid(raise_exception=True)
        return selectors.invoice_list(status=query.validated_data.get("status", ""),
                                      query=query.validated_data.get("q", "")).prefetch_related(
            "fields", "lines", "exceptions")

    def create(self, request):
        upload = UploadSerializer(data={"files": request.FILES.getlist("files")})
        upload.is_valid(raise_exception=True)
        sync = request.query_params.get("process") == "sync"
        created = []
        try:
            for file in upload.validated_data["files"]:
                invoice = services.receive_document(content=file.read(), filename=file.name,
                                                    content_type=file.content_type or "", user=request.user,
                                                    enqueue=not sync)
                created.append(services.process_invoice(invoice_id=invoice.pk) if sync else invoice)
        except services.UploadRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        invoices = selectors.invoice_list().filter(pk__in=[i.pk for i in created]).prefetch_related(
            "fields", "lines", "exceptions")
        return Response(InvoiceSerializer(invoices, many=True).data, status=status.HTTP_201_CREATED)
