"""The dead-letter queue: list with bulk re-queue, one dead letter with its payload editor, discard with a reason."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404
from django.urls import reverse
from django.views.generic import ListView, TemplateView

from .. import dead_letters, selectors
from ..business_units import through_handoff, visible_ids
from ..forms import NoteForm, PayloadForm
from ..models import DeadLetter
from .base import ActionView, OpsPageMixin, require_through_handoff, selected_ids

NO_DEAD_LETTER = "No dead letter with this id."


def _require_dead_letter(user, pk: int) -> None:
    require_through_handoff(DeadLetter.objects.all(), user, pk, NO_DEAD_LETTER)


class DeadLetterListView(OpsPageMixin, ListView):
    template_name = "ops/dead_letter_list.html"
    context_object_name = "dead_letters"
    paginate_by = 50
    section = "dead_letters"

    def get_queryset(self):
        return through_handoff(selectors.open_dead_letters(), self.request.user)

    def get_context_data(self, **kwargs):
        exhausted = self.get_queryset().filter(retries_exhausted=True).count()
        return super().get_context_data(exhausted=exhausted, **kwargs)


class DeadLetterDetailView(OpsPageMixin, TemplateView):
    template_name = "ops/dead_letter_detail.html"
    section = "dead_letters"

    def get_context_data(self, **kwargs):
        letters = DeadLetter.objects.select_related("handoff", "handoff__inbound_event", "closed_by").filter(pk=kwargs["pk"])
        letter = through_handoff(letters, self.request.user).first()
        if letter is None:
            raise Http404(NO_DEAD_LETTER)
        payload = dead_letters.editable_payload(letter)
        form = PayloadForm(initial={"payload": json.dumps(payload.data, indent=2, ensure_ascii=False)} if payload.data else None)
        return super().get_context_data(letter=letter, handoff=letter.handoff, payload=payload, payload_form=form, **kwargs)


class DeadLetterEditView(ActionView):
    action = "dead_letter"

    def post(self, request, pk: int):
        _require_dead_letter(request.user, pk)
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
        _require_dead_letter(request.user, pk)
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
            exhausted = through_handoff(selectors.open_dead_letters(), request.user).filter(retries_exhausted=True)
            ids = list(exhausted.values_list("pk", flat=True)[:500])
        else:
            ids = visible_ids(DeadLetter.objects.all(), request.user, selected_ids(request))
        if not ids:
            messages.error(request, "Select dead letters to re-queue.")
            return self.back(reverse("ops:dead-letter-list"))
        note = NoteForm({"text": request.POST.get("note", "")})
        done, refused = dead_letters.bulk_requeue(dead_letter_ids=ids, user=request.user, note=note.cleaned_data["text"] if note.is_valid() else "")
        messages.success(request, f"{len(done)} handoff{'s' if len(done) != 1 else ''} re-queued.")
        for refusal in refused[:10]:
            messages.warning(request, refusal)
        return self.back(reverse("ops:dead-letter-list"))
