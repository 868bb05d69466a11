"""Needs: what residents (or units, or the community for public works) ask for; each step recorded."""
