"""Matching needs with offers: hard filters, a score with reasons, optimal batch assignment, atomic capacity."""
