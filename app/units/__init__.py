"""Member units of the association: the registry, its representatives, import and export."""
