"""Tenancy: communities, memberships, the tenant context and the walls that keep communities apart.

This package is the floor of the application: it knows no domain.
"""
from tenants.context import current_tenant_id, tenant_context, unscoped  # noqa: F401
