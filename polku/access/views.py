"""Pages of signing in: the second-factor code, setting up an authenticator, and its QR code."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from polku.access import oidc
from polku.access.second_factor import check_code, confirmed_device, key_text, pending_device, qr_svg


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Koodi"), max_length=12, strip=True,
                           help_text=_("Kuusi numeroa tunnistautumissovelluksesta."))


def _verified(request: HttpRequest) -> bool:
    """Whether this session was confirmed with a code (django-otp's OTPMiddleware sets ``is_verified``)."""
    return bool(getattr(request.user, "is_verified", lambda: False)())


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Confirm this sign-in with a code from the authenticator set up earlier."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect("access:second_factor_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if check_code(request, device, form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error("code", _("Koodi ei kelpaa. Tarkista, että laitteesi kello on oikeassa ajassa, ja anna "
                                 "uusin koodi."))
    return render(request, "access/second_factor.html", {"form": form, "next": _next(request)})


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator: scan the QR code (or type the key), then confirm with one code."""
    if confirmed_device(request.user) is not None and not _verified(request):
        return redirect("access:second_factor")  # replacing an authenticator needs the current one first
    device = pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if check_code(request, device, form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error("code", _("Koodi ei kelpaa. Lue QR-koodi uudelleen tai tarkista avain ja anna uusin koodi."))
    return render(request, "access/second_factor_setup.html",
                  {"form": form, "key": key_text(device), "next": _next(request)})


@login_required
def second_factor_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the authenticator being set up."""
    if confirmed_device(request.user) is not None and not _verified(request):
        return HttpResponse(status=403)
    return HttpResponse(qr_svg(pending_device(request.user)), content_type="image/svg+xml")


class StaffLoginView(LoginView):
    """The password login, with the identity provider's button when one is configured and the reason when a
    sign-in through it was refused."""

    template_name = "web/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = oidc.enabled()
        context["oidc_failed"] = self.request.GET.get("tunnistus") == "epaonnistui"
        return context
