"""The platform operator's pages: create, suspend and restore communities."""
