"""Log-in, log-out, the account page, API tokens, and the language and text-size switches."""
import logging
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import schemas, services
from app.accounts.limits import account_limit, failed_login, ip_limit, login_account_key, login_ip_key
from app.core.extensions import limiter
from app.core.i18n import LANG_COOKIE, TEXT_COOKIE, normalize_locale
from app.lifecycle import PageForm
from app.permissions import may_hold_api_tokens

logger = logging.getLogger(__name__)

bp = Blueprint("accounts", __name__)
YEAR = 365 * 24 * 3600


def safe_next(target: str | None) -> str | None:
    """Only same-site paths, so the login form cannot be used to send people elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
# Shared with the API token endpoint: one budget of failed attempts per address and per account.
@limiter.shared_limit(ip_limit, "login-ip", key_func=login_ip_key, methods=["POST"], deduct_when=failed_login)
@limiter.shared_limit(account_limit, "login-account", key_func=login_account_key, methods=["POST"],
                      deduct_when=failed_login)
def login():
    form = PageForm(schemas.LoginForm)
    if form.valid:
        user = services.authenticate(form.data["login"], form.data["password"])
        if user is not None:
            # A new session at log-in: nothing from before (fixation) survives.
            session.clear()
            services.start_session(user, request.user_agent.string)
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
        form.add_errors({"password": [_("The e-mail/mobile number or password is wrong.")]})
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_session(current_user.get_id())
        logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


def _account_page(*, profile: PageForm | None = None, password: PageForm | None = None,
                  token: PageForm | None = None):
    """The account page with its three forms; the one that was sent shows its values and messages."""
    tokens = may_hold_api_tokens(current_user)
    return render_template(
        "accounts/account.html",
        profile=profile or PageForm(schemas.ProfileForm, obj=current_user, submitted=False,
                                    initial={"locale": current_user.locale or "zh_CN"}),
        password=password or PageForm(schemas.PasswordForm, submitted=False),
        token=token or PageForm(schemas.TokenForm, submitted=False),
        may_hold_tokens=tokens, tokens=services.list_tokens(current_user) if tokens else [])


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PageForm(schemas.ProfileForm, obj=current_user, initial={"locale": current_user.locale or "zh_CN"})
    if form.valid:
        services.update_profile(current_user, form.data)
        flash(_("Saved."), "success")
        return redirect(url_for("accounts.account"))
    return _account_page(profile=form)


@bp.post("/account/password")
@login_required
def change_password():
    form = PageForm(schemas.PasswordForm, error_key=schemas.password_input)
    if form.valid:
        # Other devices and API tokens are logged out; this one keeps a fresh session.
        services.change_password(current_user, form.data["current"], form.data["new"])
        session.clear()
        services.start_session(current_user, request.user_agent.string)
        # The real object: Flask-Login would otherwise store the proxy as its own target (recursion).
        login_user(current_user._get_current_object())
        flash(_("Your password has been changed; other devices have been logged out."), "success")
        return redirect(url_for("accounts.account"))
    return _account_page(password=form)


def _require_token_holder() -> None:
    """API tokens are for staff's and units' programs (app/permissions.py): others are refused."""
    if not may_hold_api_tokens(current_user):
        abort(403)


@bp.post("/account/tokens")
@login_required
def create_token():
    _require_token_holder()
    form = PageForm(schemas.TokenForm)
    if not form.valid:
        return _account_page(token=form)
    _token, secret = services.create_token(current_user, form.data["name"])
    return render_template("accounts/token_created.html", secret=secret)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    _require_token_holder()
    if services.revoke_token(current_user, token_id) is None:
        abort(404)
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("accounts.account"))


@bp.post("/preferences/language")
def set_language():
    locale = normalize_locale(request.form.get("locale")) or "zh_CN"
    if current_user.is_authenticated:
        current_user.locale = locale
    response = redirect(safe_next(request.form.get("next")) or url_for("home.index"))
    response.set_cookie(LANG_COOKIE, locale, max_age=YEAR, samesite="Lax", httponly=True)
    return response


@bp.post("/preferences/text-size")
def set_text_size():
    large = request.form.get("size") == "large"
    if current_user.is_authenticated:
        current_user.large_text = large
    response = redirect(safe_next(request.form.get("next")) or url_for("home.index"))
    response.set_cookie(TEXT_COOKIE, "large" if large else "normal", max_age=YEAR, samesite="Lax", httponly=True)
    return response


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(ip_limit, key_func=login_ip_key, methods=["POST"])
def forgot_password():
    form = PageForm(schemas.ResetRequest)
    if form.submitted:
        if form.valid:
            services.request_password_reset(form.data["login"])
        # The same answer whether or not the account exists (and for a log-in no account can have).
        flash(_("If an account with this e-mail or mobile number exists, a reset code is on its way."), "info")
        return redirect(url_for("accounts.reset_password"))
    return render_template("accounts/forgot.html", login="")


@bp.route("/password/reset", methods=["GET", "POST"], defaults={"code": ""})
@bp.route("/password/reset/<code>", methods=["GET", "POST"])
@limiter.limit(ip_limit, key_func=login_ip_key, methods=["POST"])
def reset_password(code: str):
    form = PageForm(schemas.ResetConfirm, initial={"code": code})
    if form.valid:
        services.reset_password(form.data["code"], form.data["password"])
        flash(_("Your password has been changed. Log in with the new one."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", code=form.values["code"][:100], errors=form.errors)
