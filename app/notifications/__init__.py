"""Notifications: the outbox, the in-app inbox, e-mail and SMS deliveries, preferences and announcements.

A change and the notifications it causes commit in one transaction (an OutboxEvent row). After the
commit a job fans the event out to its recipients in batches: one inbox row each (exactly once, by a
unique key) and one delivery row per outside channel the recipient wants; senders then work through
the deliveries. Everything that can be retried is a row, so a dead worker or a restarted Redis loses
nothing: the sweeper finds what is left and enqueues it again.
"""
