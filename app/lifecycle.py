"""One lifecycle for every request, pages and API alike: run the view, then commit once or roll back.

Modelled on Indico's request handlers (`_process_args → _check_access → _process`, one commit): a view
loads the object of its URL with `permissions.found` (404 when it is not in this community, 403 when the
member may not act on it), calls services (they flush, never commit) and answers. `unit_of_work`, put
around every registered view by `init_app` in the composition root (app/factory.py), then

- commits once when the answer is a success (< 400), or a page showing its form again (422, below);
- rolls back on anything else: an error answer, or an exception, which it lets through to
  app.core.errors (the JSON error body on the API, the error page for people: 422 with the field
  messages for a ValidationFailed, 409 for a Conflict, 404, 403 …);
- on a page that said how it shows a service's refusal (ValidationFailed, Conflict), shows it that way
  after the rollback: a `PageForm` makes the view run once more, its form now holding the refusal's
  field messages and the values sent, and the answer is 422; `redirect_refusals_to(url)` flashes the
  refusal and redirects (a Conflict goes there even when the page has a form: it is about the state
  of things, not about a field).

Views therefore hold no try/except around services, no commit() and no rollback(). This module imports
no domain package: it sits above app/core and tenants, below the domains.
"""
import functools
import logging
import random
import time
from datetime import date, datetime
from decimal import Decimal

from flask import current_app, flash, g, redirect, request, session
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy.exc import OperationalError

from app.core.database import is_locked
from app.core.extensions import db
from app.core.i18n import translate_field_messages
from app.core.validation import Conflict, ValidationFailed

logger = logging.getLogger(__name__)

REFUSALS = (ValidationFailed, Conflict)
LOCK_ATTEMPTS = 8


def init_app(app) -> None:
    """Run every view registered so far (pages, API, healthz) inside `unit_of_work`; call it last."""
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = unit_of_work(view)


def retry_when_locked(view):
    """Mark a view whose whole unit of work runs again when SQLite reports a lock conflict (booking races)."""
    view.retry_when_locked = True
    return view


def refusal_message(err: Exception) -> str:
    """One line for a refusal: its message, or its field messages joined."""
    message = getattr(err, "message", None)
    if message:
        return message
    return "; ".join(m for ms in getattr(err, "fields", {}).values() for m in ms) or str(err)


class _Run:
    """What one run of a view declared: its page forms, where a refusal leads, the refusal of the run before."""

    def __init__(self, refusal: Exception | None):
        self.refusal = refusal
        self.forms: list[PageForm] = []
        self.rerun = False  # a form shows a refusal: run the view again rather than redirect
        self.redirect_to: str | None = None
        self.say_refusal = True
        self._flashes = None

    def keep_flashes(self) -> None:
        if self._flashes is None:
            self._flashes = list(session.get("_flashes", []))

    def restore_flashes(self) -> None:
        """A rolled-back run said nothing: its flashed messages go with it."""
        if self._flashes is not None:
            session["_flashes"] = list(self._flashes)

    @property
    def form_errors(self) -> bool:
        return any(form.errors for form in self.forms)


def _run() -> _Run:
    state = g.get("huzhu_run")
    if state is None:  # a form built outside a view (a test, a shell): nothing to coordinate with
        state = g.huzhu_run = _Run(None)
    return state


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone; the error must still be rendered
        logger.exception("rollback failed")


def unit_of_work(view):
    """Run `view`, then commit once or roll back (see the module docstring)."""
    if getattr(view, "unit_of_work", False):
        return view

    @functools.wraps(view)
    def run(*args, **kwargs):
        attempts = LOCK_ATTEMPTS if getattr(view, "retry_when_locked", False) else 1
        refusal = None
        attempt = 0
        while True:
            attempt += 1
            state = g.huzhu_run = _Run(refusal)
            try:
                response = current_app.make_response(view(*args, **kwargs))
                if state.form_errors and response.status_code == 200:
                    response.status_code = 422
                if response.status_code < 400 or (response.status_code == 422 and state.form_errors):
                    # A page showing its form again still commits what the showing did (audited reads).
                    if db.session().in_transaction():
                        db.session.commit()
                else:
                    _rollback()
                return response
            except REFUSALS as err:
                _rollback()
                state.restore_flashes()
                # A form shows a refusal by its fields; a conflict with the state is flashed where the
                # page said, when it said.
                to_form = not (isinstance(err, Conflict) and state.redirect_to is not None)
                if state.rerun and refusal is None and to_form:
                    refusal = err  # run once more: the form shows the refusal beside its fields
                    continue
                if state.redirect_to is not None:
                    if state.say_refusal:
                        flash(refusal_message(err), "error")
                    return redirect(state.redirect_to)
                raise
            except OperationalError as err:
                _rollback()
                if is_locked(err) and attempt < attempts:
                    state.restore_flashes()
                    time.sleep(random.uniform(0.01, 0.05) * attempt)
                    continue
                raise
            except BaseException:
                _rollback()
                raise

    run.unit_of_work = True
    return run


def redirect_refusals_to(url: str, *, say: bool = True) -> None:
    """If a service refuses (ValidationFailed, Conflict) during this request, flash why and redirect to `url`.

    Declare it before flashing anything of your own: messages flashed after it go with a rollback.
    `say=False` redirects without a message (a stale list cursor just starts the list again).
    """
    state = _run()
    state.redirect_to, state.say_refusal = url, say
    state.keep_flashes()


def shown(values: dict) -> dict:
    """Values as a form's inputs show them: dates as YYYY-MM-DD, decimals as text."""
    def one(value):
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value

    return {key: one(value) for key, value in values.items()}


def first_part(key: str) -> str:
    """The input a service's field name belongs to: "weekly.mon.0" and "eligibility.1" name their group."""
    return str(key).split(".")[0]


def _fields(schema: Schema | None) -> dict:
    if schema is None:
        return {}
    return {field.data_key or name: field for name, field in schema.load_fields.items()}


def _submitted(schema: Schema | None, source=None) -> dict:
    """The form (`request.form`, or `source`) as the schema reads it: stripped text, lists for list fields,
    unticked boxes False. A field marked `metadata={"as_typed": True}` (a password) keeps every character."""
    known = _fields(schema)
    source = request.form if source is None else source
    raw = {}
    for key in source:
        if key == "csrf_token":
            continue
        if isinstance(known.get(key), fields.List):
            raw[key] = [value.strip() for value in source.getlist(key)]
        elif known.get(key) is not None and known[key].metadata.get("as_typed"):
            raw[key] = source.get(key, "")
        else:
            raw[key] = source.get(key, "").strip()
    for key, field in known.items():
        if key not in raw and isinstance(field, fields.Boolean):
            raw[key] = False  # an unticked checkbox sends nothing
        elif key not in raw and isinstance(field, fields.List):
            raw[key] = []  # nor does a group of checkboxes with none ticked
    return raw


def _a_choice(field) -> bool:
    """A field that takes one of some values (a select), none of them empty."""
    return any(isinstance(rule, validate.OneOf) and "" not in rule.choices for rule in field.validators)


def _loadable(schema: Schema | None, raw: dict) -> dict:
    """An empty input is None where the field allows None; other non-text fields, and a select left on its
    empty option, leave it out (so a required choice is told "required", not the list of its codes)."""
    known = _fields(schema)
    data = {}
    for key, value in raw.items():
        field = known.get(key)
        if field is not None and value == "":
            if field.allow_none:
                value = None
            elif not isinstance(field, fields.String) or _a_choice(field):
                continue  # the field's default applies, or "required"
        data[key] = value
    return data


def _schema(schema):
    return schema() if isinstance(schema, type) else schema


def read_form(schema: Schema | type[Schema]) -> dict:
    """The POSTed form through `schema`, for a form whose mistakes are flashed (see `redirect_refusals_to`):
    wrong fields raise ValidationFailed, a refusal like a service's."""
    schema = _schema(schema)
    try:
        return schema.load(_loadable(schema, _submitted(schema)), unknown=EXCLUDE)
    except ValidationError as err:
        raise ValidationFailed(translate_field_messages(err.messages)) from None


class PageForm:
    """A page's form, read from `request.form` through a marshmallow schema (the API's, or one derived from it).

    On GET it shows `obj` (dumped through the schema) and `initial`. On POST it loads the submission:
    `valid` says whether the view may act on `data`; `values` are what the inputs show again; `errors`
    are messages by input name. Strings are stripped; an empty input is None for a field that allows
    None and is left out for other non-text fields (their default applies, or "required"); an unticked
    checkbox is False and an empty group of checkboxes []. Unknown inputs are ignored (the CSRF token,
    buttons); a schema's `pre_load` still sees them. Without a schema the view reads the inputs itself
    (an upload) and the form only carries a service's refusal.

    When a service refuses the submission, the lifecycle rolls back and runs the view again: the form
    then holds the service's messages (`valid` is False) with the values sent, the view renders its
    template again, and the answer is 422. With `shows_refusals=False` the form shows only its own
    mistakes, and a refusal goes where `redirect_refusals_to` says (a small form on a busy page). A form
    sent with GET (a query of a page) passes `source=request.args` and says when it counts as `submitted`.
    """

    def __init__(self, schema: Schema | type[Schema] | None = None, *, obj=None, initial: dict | None = None,
                 submitted: bool | None = None, error_key=first_part, shows_refusals: bool = True, source=None):
        self.schema = _schema(schema)
        self.submitted = request.method == "POST" if submitted is None else submitted
        self.data: dict = {}
        self.errors: dict[str, list[str]] = {}
        self.refusal: Exception | None = None
        self._error_key = error_key
        self.values = shown(self.schema.dump(obj)) if obj is not None and self.schema is not None else {}
        self.values.update(shown(initial or {}))
        if not self.submitted:
            return
        state = _run()
        state.forms.append(self)
        state.rerun = state.rerun or shows_refusals
        state.keep_flashes()
        raw = _submitted(self.schema, source)
        self.values.update(raw)
        if state.refusal is not None and shows_refusals:
            self.refuse(state.refusal)
        elif self.schema is not None:
            try:
                self.data = self.schema.load(_loadable(self.schema, raw), unknown=EXCLUDE)
            except ValidationError as err:
                self.add_errors(translate_field_messages(err.messages))

    @property
    def valid(self) -> bool:
        return self.submitted and not self.errors

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """Messages by field name (a service's or the view's own), filed under the inputs they belong to."""
        for key, messages in errors.items():
            self.errors.setdefault(self._error_key(key), []).extend(messages)

    def refuse(self, err: Exception) -> None:
        """Take a service's refusal: ValidationFailed by its fields, a Conflict under "_schema"."""
        self.refusal = err
        message = refusal_message(err)
        if isinstance(err, ValidationFailed) and err.fields:
            self.add_errors(err.fields)
        else:
            self.errors.setdefault("_schema", []).append(message)
