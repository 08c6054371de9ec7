"""The REST API under /api/ (contract.md, "HTTP"): handoffs, exceptions, the event log, crosswalk resolution."""
