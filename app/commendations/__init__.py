"""The commendation campaign (评优): frozen evidence, the council's formula, nominations, a ballot, awards."""
