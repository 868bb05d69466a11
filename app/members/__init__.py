"""Members of a community: who holds which roles; managed by the community admin."""
