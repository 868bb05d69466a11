"""The council's yearly review of the member units: each unit's year of contribution, and a dated decision
(keep, warn, drop) for each; a drop withdraws the unit."""
