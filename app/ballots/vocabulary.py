"""The ballots' words, in the reader's language."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {"draft": _l("Not open yet"), "open": _l("Voting"), "closed": _l("Closed")}
# The ballot page's history: a ballot is created as a draft (and opened at once or later), so its first line is
# the creation, said as such rather than as the draft's "not open yet".
HISTORY_LABELS = {**STATUS_LABELS, "draft": _l("Put to the vote")}
OUTCOME_LABELS = {"approved": _l("Approved"), "rejected": _l("Not approved"),
                  "no_quorum": _l("Not valid: too few took part"), "vetoed": _l("Vetoed"),
                  "withdrawn": _l("Withdrawn: its subject no longer stands")}
YES_NO_LABELS = {"yes": _l("Yes, I agree"), "no": _l("No, I disagree"), "abstain": _l("I abstain")}
SHORT_YES_NO = {"yes": _l("In favour"), "no": _l("Against"), "abstain": _l("Abstain")}
THRESHOLD_LABELS = {"majority": _l("More votes for than against"),
                    "two_thirds": _l("At least two thirds of the votes for or against are for")}
SUBJECT_LABELS = {"application": _l("Unit application"), "activity": _l("Activity proposal"),
                  "commendation": _l("Commendation"), "question": _l("Question"),
                  "expense": _l("Expense of the fund")}


def option_label(key: str, label: str = ""):
    """An option's words: a list option says what it was written as, yes / no / abstain in the reader's words."""
    return label or SHORT_YES_NO.get(key, key)


def rules_text(ballot) -> str:
    """The quorum and threshold, said plainly: "至少一半成员参与才有效；赞成票多于反对票即通过"."""
    if ballot.quorum_pct == 50:
        quorum = _("It counts only if at least half of the members take part")
    elif ballot.quorum_pct == 0:
        quorum = _("It counts however many take part")
    else:
        quorum = _("It counts only if at least %(pct)s%% of the members take part", pct=ballot.quorum_pct)
    if ballot.kind == "choice":
        rule = _("the options with the most votes win")
    elif ballot.threshold == "two_thirds":
        rule = _("it passes when at least two thirds of the yes and no votes are yes")
    else:
        rule = _("it passes when there are more yes votes than no votes")
    return _("%(quorum)s; %(rule)s.", quorum=quorum, rule=rule)
