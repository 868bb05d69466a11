"""Units' applications to join the association: the public form (`/c/<slug>/join`), the council's review, the
ballot, and admission (the unit is created and its contact becomes its representative)."""
