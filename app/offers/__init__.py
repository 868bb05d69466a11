"""Offers: what units put at the community's disposal, with a capacity that fits the kind and a calendar."""
