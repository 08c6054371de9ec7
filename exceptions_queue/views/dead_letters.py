"""The dead-letter queue: list with bulk re-queue, one dead letter with its payload editor, discard with a reason."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404
from django.urls import reverse
from django.views.generic import ListView, TemplateView

from .. import dead_letters, selectors
from ..forms import NoteForm, PayloadForm
from ..models import DeadLetter
from .base import ActionView, OpsPageMixin, selected_ids


class DeadLetterListView(OpsPageMixin, ListView):
    template_name = "ops/dead_letter_list.html"
    context_object_name = "dead_letters"
    paginate_by = 50
    section = "dead_letters"

    def get_queryset(self):
        return selectors.open_dead_letters()

    def get_context_data(self, **kwargs):
        return super().get_context_data(exhausted=selectors.open_dead_letters().filter(retries_exhausted=True).count(), **kwargs)


class DeadLetterDetailView(OpsPageMixin, TemplateView):
    template_name = "ops/dead_letter_detail.html"
    section = "dead_letters"

    def get_context_data(self, **kwargs):
        letter = DeadLetter.objects.select_related("handoff", "handoff__inbound_event", "closed_by").filter(pk=kwargs["pk"]).first()
        if letter is None:
            raise Http404("No dead letter with this id.")
        payload = dead_letters.editable_payload(letter)
        form = PayloadForm(initial={"payload": json.dumps(payload.data, indent=2, ensure_ascii=False)} if payload.data else None)
        return super().get_context_data(letter=letter, handoff=letter.handoff, payload=payload, payload_form=form, **kwargs)


class DeadLetterEditView(ActionView):
    action = "dead_letter"

    def post(self, request, pk: int):
        form = PayloadForm(request.POST)
        back = reverse("ops:dead-letter-detail", args=[pk])
        if not form.is_valid():
            messages.error(request, "Paste the edited payload (JSON).")
            return self.back(back)
        try:
            handoff = dead_letters.edit_payload_and_requeue(dead_letter_id=pk, user=request.user,
                                                            payload_text=form.cleaned_data["payload"], note=form.cleaned_data["note"])
        except dead_letters.DeadLetterRefused as refusal:
            messages.error(request, str(refusal))
            return self.back(back)
        messages.success(request, f"Payload saved and handoff {handoff.pk} re-queued; a worker picks it up now.")
        return self.back(reverse("ops:handoff-detail", args=[handoff.pk]))


class DeadLetterDiscardView(ActionView):
    action = "dead_letter"

    def post(self, request, pk: int):
        reason = NoteForm({"text": request.POST.get("reason", "")})
        try:
            letter = dead_letters.discard(dead_letter_id=pk, user=request.user, reason=reason.cleaned_data["text"] if reason.is_valid() else "")
        except dead_letters.DeadLetterRefused as refusal:
            messages.error(request, str(refusal))
            return self.back(reverse("ops:dead-letter-detail", args=[pk]))
        messages.success(request, f"Dead letter {letter.pk} discarded; handoff {letter.handoff_id} is closed without an order.")
        return self.back(reverse("ops:dead-letter-list"))


class DeadLetterBulkRequeueView(ActionView):
    """POST ids=… (the selected letters) or scope=exhausted (every open letter whose retries ran out: after an outage)."""

    action = "requeue"

    def post(self, request):
        if request.POST.get("scope") == "exhausted":
            ids = list(selectors.open_dead_letters().filter(retries_exhausted=True).values_list("pk", flat=True)[:500])
        else:
            ids = selected_ids(request)
        if not ids:
            messages.error(request, "Select dead letters to re-queue.")
            return self.back(reverse("ops:dead-letter-list"))
        note = NoteForm({"text": request.POST.get("note", "")})
        done, refused = dead_letters.bulk_requeue(dead_letter_ids=ids, user=request.user, note=note.cleaned_data["text"] if note.is_valid() else "")
        messages.success(request, f"{len(done)} handoff{'s' if len(done) != 1 else ''} re-queued.")
        for refusal in refused[:10]:
            messages.warning(request, refusal)
        return self.back(reverse("ops:dead-letter-list"))
