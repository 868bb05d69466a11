"""Good cases (典型事例): the stories of what member units did, written by the staff and published on the
public pages, counted in the units' contribution record."""
