"""API views: thin read-only viewsets over the selectors, and the crosswalk resolve endpoint."""

from __future__ import annotations

from django.http import JsonResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from crosswalk.resolvers import resolve
from exceptions_queue import selectors
from exceptions_queue.business_units import events_of_visible_handoffs, through_handoff, visible_handoffs

from .filters import EventFilter, ExceptionFilter, HandoffFilter
from .pagination import CheckedLimitOffsetPagination
from .permissions import CanResolveCrosswalk, ReadOnlyForRoles
from .schema import ApiAutoSchema
from .serializers import (
    EventSerializer,
    HandoffDetailSerializer,
    HandoffExceptionSerializer,
    HandoffSerializer,
    ResolutionSerializer,
    ResolveRequestSerializer,
)

# Token first: an anonymous API call then gets 401 with `WWW-Authenticate: Token` (session-first answers 403).
AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION
    permission_classes = [ReadOnlyForRoles]
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    pagination_class = CheckedLimitOffsetPagination
    schema = ApiAutoSchema()


@extend_schema_view(
    list=extend_schema(summary="Handoffs, newest first"),
    retrieve=extend_schema(summary="One handoff with its resolutions, exceptions and event count"),
)
class HandoffViewSet(ReadOnlyViewSet):
    filterset_class = HandoffFilter
    ordering_fields = ["received_at", "updated_at", "id", "amount"]
    ordering = ["-received_at", "-id"]

    def get_queryset(self):
        return visible_handoffs(selectors.handoff_list(), self.request.user)  # another unit's handoff: 404

    def get_serializer_class(self):
        return HandoffDetailSerializer if self.action == "retrieve" else HandoffSerializer


@extend_schema_view(list=extend_schema(summary="Exceptions (open and resolved), newest first"))
class HandoffExceptionViewSet(ReadOnlyViewSet):
    serializer_class = HandoffExceptionSerializer
    filterset_class = ExceptionFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return through_handoff(selectors.exception_list(state=""), self.request.user, keep_without_handoff=True)


@extend_schema_view(list=extend_schema(summary="The event log, newest first"))
class EventViewSet(ReadOnlyViewSet):
    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return events_of_visible_handoffs(selectors.event_search(with_bodies=True), self.request.user)


class CrosswalkResolveView(APIView):
    """Translate a CRM value into an ERP identifier through the crosswalk tables, as the pipeline would."""

    authentication_classes = AUTHENTICATION
    permission_classes = [CanResolveCrosswalk]
    # JSON only: `context` is an object, which a form body cannot carry (DRF would read it as an empty dict).
    parser_classes = [JSONParser]
    schema = ApiAutoSchema()

    @extend_schema(
        summary="Resolve a CRM value through the crosswalk",
        request=ResolveRequestSerializer,
        responses={
            200: ResolutionSerializer,
            400: OpenApiResponse(description="Unknown kind or malformed body; the message says what to send."),
        },
    )
    def post(self, request):
        payload = ResolveRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            resolution = resolve(data["kind"], data["text"], data["context"])
        except ValueError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(resolution.as_dict())


def api_not_found(request, *args, **kwargs):
    """Any other path under /api/ (including an id that is not a number): a JSON 404, not the site's HTML page."""
    return JsonResponse({"detail": f"No API endpoint at {request.path}; the schema at /api/schema/ lists them."},
                        status=404)
