"""/payables/ — upload invoices (drag and drop, many files), see their status, confirm doubtful fields.

Thin: parse the request, call one service or selector, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import ListView, TemplateView, View

from exceptions_queue.permissions import RoleRequiredMixin

from . import selectors, services
from .forms import ConfirmFieldsForm, UploadForm
from .models import Invoice, InvoiceStatus


class InvoiceListView(RoleRequiredMixin, ListView):
    template_name = "payables/invoice_list.html"
    context_object_name = "invoices"
    paginate_by = 50

    def get_queryset(self):
        return selectors.invoice_list(status=self.request.GET.get("status", ""), query=self.request.GET.get("q", ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, form=UploadForm(), statuses=InvoiceStatus.choices,
                                        counts=selectors.status_counts(), section="payables")


class UploadView(RoleRequiredMixin, View):
    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "Choose one or more invoice files to upload.")
            return redirect("payables:invoice-list")
        received, refused = 0, []
        for upload in form.cleaned_data["files"]:
            try:
                services.receive_document(content=upload.read(), filename=upload.name,
                                          content_type=upload.content_type or "", user=request.user)
                received += 1
            except services.UploadRefused as exc:
                refused.append(str(exc))
        if received:
            messages.success(request, f"{received} document(s) received; they are read and matched in the background.")
        for reason in refused:
            messages.error(request, reason)
        return redirect("payables:invoice-list")


class InvoiceDetailView(RoleRequiredMixin, TemplateView):
    template_name = "payables/invoice_detail.html"

    def get_context_data(self, **kwargs):
        try:
            invoice = selectors.invoice_detail(kwargs["pk"])
        except Invoice.DoesNotExist:
            raise Http404("No invoice with this id.") from None
        to_confirm = selectors.fields_awaiting_confirmation(invoice)
        return super().get_context_data(**kwargs, invoice=invoice, section="payables",
                                        confirm_form=ConfirmFieldsForm(fields_to_confirm=to_confirm) if to_confirm else None,
                                        last_match=invoice.match_runs.first())


class ConfirmFieldsView(RoleRequiredMixin, View):
    def post(self, request, pk):
        try:
            invoice = selectors.invoice_detail(pk)
        except Invoice.DoesNotExist:
            raise Http404("No invoice with this id.") from None
        form = ConfirmFieldsForm(request.POST, fields_to_confirm=selectors.fields_awaiting_confirmation(invoice))
        if form.is_valid() and form.cleaned_data:
            invoice = services.confirm_fields(invoice_id=pk, values=form.cleaned_data, user=request.user)
            messages.success(request, f"Fields confirmed; the invoice is now {invoice.get_status_display().lower()}.")
        return redirect(reverse("payables:invoice-detail", args=[pk]))
