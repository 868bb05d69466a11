"""The front door: the platform landing page, 'my communities' and each community's home."""
