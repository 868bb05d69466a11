"""The contribution record: what each member unit gave the community in a year, gathered from every domain."""
