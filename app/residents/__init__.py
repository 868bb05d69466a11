"""Residents and their sensitive data: consent first, shown only to those who need it, every access audited."""
