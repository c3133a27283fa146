"""The statutory steps' kinds (``due.DueKind``) by name in the active language.

Not in ``presenters``: the subject-access export names the kinds a client's due-table row keeps
(``polku.privacy.labels``), and it may not import page code; the worklists and the client record use the same names.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

KIND_LABELS = {
    "initial_interview": _("Alkuhaastattelu"),
    "job_search_conversation": _("Työnhakukeskustelu"),
    "supplementary_conversations": _("Täydentävät työnhakukeskustelut"),
    "no_plan": _("Ei työllistymissuunnitelmaa"),
    "plan_expiring": _("Suunnitelma päättymässä"),
    "application_report_missing": _("Hakuilmoitus puuttuu"),
    "applications_below_obligation": _("Hakuja alle velvollisuuden"),
    "reaching_three_months": _("Täyttää 3 kk työttömyyttä"),
    "handover_due": _("Siirto omavalmennukseen"),
    "binding_offers_start": _("Työtarjoukset velvoittavia"),
}
