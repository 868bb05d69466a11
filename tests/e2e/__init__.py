"""End-to-end journeys in a real browser (Playwright driving Debian's Chromium)."""
