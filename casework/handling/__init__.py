"""Staff work on a case, in one place: finding it through the policy (``finding``), the
command table (``commands``), the state machine's steps (``lifecycle``, ``closure``), notes,
texts, assignment and break-glass (``work``), placement, referrals, and the reads."""
