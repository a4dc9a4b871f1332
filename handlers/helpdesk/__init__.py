"""The citizen side of the hand-off desk: asking for a person, tickets, unanswered questions."""
