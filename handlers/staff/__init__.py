"""The staff console's use cases: accounts and sessions, the audit trail, the due list and
apologies, hand-off tickets and the questions the assistant could not answer."""
