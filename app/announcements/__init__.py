"""Announcements: the community tells every member (meetings, notice boards — now also the inbox)."""
