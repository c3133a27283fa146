"""API of the Kela invoice check: upload Kela's municipal-share invoice list, get its reconciliation.

Mounted on the main API (``api.add_router("/kela-invoices", ...)``), so it shares its login, its error
shape ``{"errors": [{"field", "code", "message"}]}`` and its handlers: a file with bad rows is refused
with 422 listing every bad row as ``rivi N: sarake``; a role without access gets 403. Identity codes
travel only inside the uploaded file and are never returned.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from polku.access.models import AccessChannel
from polku.api.schemas import MONTH_PATTERN, Code, ErrorOut
from polku.core.errors import ErrorCode, ValidationFailed
from polku.municipal_share import invoices
from polku.municipal_share.models import KelaInvoice

router = Router(tags=["kela-invoices"])


class InvoiceOut(Schema):
    id: int
    municipality: str = Field(description="Three-digit municipality code.")
    month: str = Field(description="The month the invoice covers, YYYY-MM.")
    rule_set: str = Field(description="Rule set the invoice bills by.")
    rule_set_verified: bool = Field(description="False while an administrator has not confirmed the rule set "
                                                "(the 2025 intermediate steps are unverified): results are provisional.")
    file_name: str
    encoding: str = Field(description="How the file was read: utf-8, utf-8-sig, utf-16, cp1252 or xlsx.")
    line_count: int
    imported_at: str
    imported_by: str | None
    facts_loaded_at: str | None = Field(description="When the lines were last loaded as benefit-day facts.")


class SummaryOut(Schema):
    invoice_municipal_eur: str = Field(description="Municipal share on the invoice, euros.")
    polku_municipal_eur: str = Field(description="Municipal share Polku computes for the same persons and months.")
    difference_eur: str = Field(description="Invoice minus Polku.")
    invoice_lines: int
    invoice_persons: int
    matched_persons: int
    unknown_persons: int = Field(description="Persons on the invoice not reconciled: not in Polku, or (for users "
                                             "with an area) not within your scope; the two are not told apart.")
    missing_persons: int = Field(description="Persons Polku bills for the invoice month who are not on the invoice.")
    compared_rows: int = Field(description="Person-month-benefit keys on the invoice.")
    rows_without_differences: int
    differences_by_kind: dict[str, int]


class DifferenceOut(Schema):
    kind: str = Field(description="unknown_person (administrators), not_in_area (anyone else: outside your area "
                                  "or not in Polku, told apart in no way), rule_version, municipality, days, counter, "
                                  "step, paid_eur, municipal_eur or missing_from_invoice.")
    person_id: UUID | None = Field(description="Polku person, when the identity code matched one.")
    person_name: str | None = Field(description="Shown only for persons the user may see.")
    month: str
    benefit_type: str
    lines: list[int] = Field(description="Line numbers in the file (header = 1); empty for persons missing from it.")
    invoice: str | None = Field(description="Kela's value of what differs.")
    polku: str | None = Field(description="Polku's value of what differs.")
    reason: str = Field(description="The likely reason, in Finnish.")


class PartOut(Schema):
    month: str | None = Field(description="Benefit month YYYY-MM; null for a total.")
    catch_up: bool = Field(description="True for months earlier than the invoice month (late corrections, catch-up).")
    lines: int
    persons: int
    paid_days: int
    paid_eur: str
    municipal_eur: str


class BreakdownOut(Schema):
    invoice_month: PartOut = Field(description="Lines for the invoice month itself.")
    catch_up_months: list[PartOut] = Field(description="One part per earlier benefit month billed late, oldest first.")
    catch_up_total: PartOut
    total: PartOut


class FactChangeOut(Schema):
    lines: list[int]
    person_id: UUID
    month: str
    benefit_type: str
    basis: str
    action: str = Field(description="created, superseded or unchanged.")
    days: int
    amount: str
    previous_days: int | None
    previous_amount: str | None


class FactsOut(Schema):
    created: int
    superseded: int
    unchanged: int
    skipped_lines: list[int] = Field(description="Lines of persons not in Polku, skipped by choice.")
    changes: list[FactChangeOut]


class ReconciliationOut(Schema):
    invoice: InvoiceOut
    summary: SummaryOut
    breakdown: BreakdownOut = Field(description="How much of the invoice is for its own month and how much catches "
                                                "up earlier benefit months.")
    facts: FactsOut | None = Field(description="What loading the lines as facts did (null when not loaded); the "
                                               "reconciliation was made before loading.")
    differences: list[DifferenceOut]


def _purpose(request: HttpRequest) -> str:
    return request.headers.get("X-Polku-Purpose", invoices.DEFAULT_PURPOSE)


def _benefits(value: str | None) -> list[str] | None:
    return [b.strip() for b in value.split(",") if b.strip()] if value else None


def _month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise ValidationFailed.single("month", ErrorCode.INVALID, "Kuukausi muodossa VVVV-KK.") from None


class UploadIn(Schema):
    municipality: Code = Field(description="Three-digit municipality code, e.g. 765.")
    month: str = Field(description="The month the invoice covers, YYYY-MM.", pattern=MONTH_PATTERN)
    rule_set: Code | None = Field(None, description="Rule set the invoice bills by (default: the one in force in month).")
    benefits: str | None = Field(None, max_length=200,
                                 description="Comma-separated benefits the invoice covers (default: those on it).")
    as_facts: bool = Field(False, description="Also load the lines as benefit-day facts (source kela) in the same "
                                              "transaction: differing facts superseded naming the invoice, identical "
                                              "ones left, missing ones created.")
    skip_unknown_persons: bool = Field(False, description="With as_facts: skip and report lines of persons not in "
                                                          "Polku instead of refusing the file.")


@router.post("", response={201: ReconciliationOut, 403: ErrorOut, 422: ErrorOut})
def kela_invoice_upload(request: HttpRequest, file: File[UploadedFile], form: Form[UploadIn]) -> Any:
    """Import Kela's invoice list (multipart ``file``: CSV with semicolons and decimal commas in UTF-8 or
    Windows-1252, or .xlsx) for ``municipality`` and ``month`` (YYYY-MM), and reconcile it with Polku.

    All or nothing: any bad row refuses the whole file (422, every bad row as ``rivi N: sarake``), as does a
    file already imported. ``rule_set`` overrides the rule in force in ``month``; ``benefits`` (comma-separated)
    sets which benefits the invoice covers when finding persons missing from it. Only persons within your scope
    are reconciled: any other line — a person outside your area, or a code not in Polku, which are not told
    apart — is ``not_in_area`` and nothing more. Every person concerned is access-logged.
    """
    check = invoices.invoice_import(
        data=file.read(), file_name=file.name or "", municipality=form.municipality, invoice_month=_month(form.month),
        user=request.user, rule_set=form.rule_set or None, benefits=_benefits(form.benefits), channel=AccessChannel.API,
        purpose=_purpose(request), as_facts=form.as_facts, skip_unknown_persons=form.skip_unknown_persons,
    )
    return Status(201, invoices.check_as_dict(check))


class FactsIn(Schema):
    skip_unknown_persons: bool = False


@router.post("/{invoice_id}/facts", response={200: ReconciliationOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def kela_invoice_facts(request: HttpRequest, invoice_id: int, body: FactsIn) -> Any:
    """Load an imported invoice's lines as benefit-day facts (source kela), all or nothing; loading the same
    invoice again changes nothing. Lines for months before the invoice month correct those months."""
    if not KelaInvoice.objects.filter(pk=invoice_id).exists():
        return Status(404, {"errors": [{"field": "invoice_id", "code": str(ErrorCode.UNKNOWN),
                                        "message": f"Laskua {invoice_id} ei ole."}]})
    check = invoices.invoice_load_facts(invoice_id=invoice_id, user=request.user, channel=AccessChannel.API,
                                        purpose=_purpose(request), skip_unknown_persons=body.skip_unknown_persons)
    return Status(200, invoices.check_as_dict(check))


@router.get("/{invoice_id}", response={200: ReconciliationOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def kela_invoice_detail(request: HttpRequest, invoice_id: int,
                        benefits: str | None = Query(None, max_length=200, description="Comma-separated.")) -> Any:
    """An imported invoice reconciled again against Polku's facts as they are now."""
    if not KelaInvoice.objects.filter(pk=invoice_id).exists():
        return Status(404, {"errors": [{"field": "invoice_id", "code": str(ErrorCode.UNKNOWN),
                                        "message": f"Laskua {invoice_id} ei ole."}]})
    check = invoices.invoice_check(invoice_id=invoice_id, user=request.user, channel=AccessChannel.API,
                                   purpose=_purpose(request), benefits=_benefits(benefits))
    return Status(200, invoices.check_as_dict(check))
