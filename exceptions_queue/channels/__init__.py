"""Alert channels, one module per system (house rule: one module speaks HTTP to each system).

`slack.py` posts to a Slack incoming webhook, `pagerduty.py` sends PagerDuty Events API v2 events, `email.py` sends
mail through Django's backend. Each builds the vendor's payload from an `Alert` row (pure functions, tested with the
samples in ../shared/wire/) and raises the kernel's errors: `TransientError` for timeouts, 429 and 5xx,
`PermanentError` for a payload or configuration the vendor refuses.
"""
