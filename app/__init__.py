"""Huzhu (互助): community co-building mutual-aid associations, one community per tenant.

`create_app` lives in `app.factory`, the composition root; it is imported only when called so that
importing any part of the app (`app.core`, a domain) does not load every domain.
"""


def create_app(overrides: dict | None = None):
    """Build the app (see app.factory.create_app); `flask --app app` and wsgi.py find it here."""
    from app.factory import create_app as build  # lazily: the composition root imports every domain

    return build(overrides)
