"""The floor of the app: configuration, extensions, validation, errors, fields, paging, bulk SQL, the clock.

It imports no domain and nothing from `tenants/`; everything else may import it (import-linter checks).
"""
