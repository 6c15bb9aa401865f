"""The buying roles of a contact or a deal's stakeholder (SPEC §3), defined once.

No model here: `--help` offers the roles as choices without loading the model,
the model validates them, and the rules ask which of them decide.
"""

ROLES = (
    "economic-buyer", "decision-maker", "technical-evaluator", "champion",
    "end-user", "approver", "influencer", "other",
)
BUYER_ROLES = ("economic-buyer", "decision-maker")  # the roles that decide a deal
