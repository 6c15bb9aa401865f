"""The values record fields take (SPEC §3), defined once, without the model.

A command that only needs the words (`today` asks which activities are booked,
`--help` offers the choices) loads no msgspec and builds no model classes: about
6 ms of every such command. `salescli.core.model` validates with these, and the
buying roles are in `salescli.core.roles`.
"""

ACTIVITY_TYPES = ("call", "email", "meeting", "demo", "note", "task")
# the activities booked ahead, then held or cancelled (a demo is a meeting with a show)
BOOKABLE = ("meeting", "demo")
MEETING_STATUSES = ("booked", "held", "cancelled")
LEAD_STATUSES = ("new", "contacted", "qualified", "disqualified")
DEAL_STATUSES = ("open", "won", "lost")
BILLING = ("one-time", "monthly", "quarterly", "annually")
FORECAST = ("commit", "best-case", "pipeline", "omit")
PREDICATES = ("decision_maker", "quote", "next_step", "stakeholders", "accepted_quote")
# a recorded quote's decision; `expired` is derived (a sent quote past its validity)
QUOTE_STATUSES = ("sent", "accepted", "rejected")
# the languages documents are written in (salescli/locale has their catalogues)
LANGUAGES = ("en", "fi", "sv")
