"""Venues that units lend (a school hall, a cultural centre room, a park square) and their bookings."""
