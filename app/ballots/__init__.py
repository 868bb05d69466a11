"""Ballots: one engine for every decision the association puts to a vote (admitting a unit, an activity
proposal, a commendation, a free question): a frozen electorate, open or secret voting, quorum and threshold,
vetoes, paper votes, and a result computed once when it closes."""
