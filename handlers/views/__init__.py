"""View builders: pure functions from domain objects to Block Kit (no I/O, no Slack client)."""
