"""Using the results (结果运用, seed 004 §4): the five-tier accountability ladder with its triggers computed from the
record, proposals a person decides, sanctions with their follow-up and escalation, referrals to the discipline,
organisation and personnel bodies tracked to their outcome, bulletins (通报), commendations and the one-vote veto."""
