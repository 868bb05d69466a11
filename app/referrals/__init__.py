"""Street referrals: a need offered to the neighbouring communities of the street as a minimised copy,
taken and served there, and followed from its origin."""
