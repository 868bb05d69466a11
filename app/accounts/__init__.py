"""Accounts: users, log-in sessions and API tokens."""
