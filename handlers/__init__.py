"""The Slack adapter: Bolt listeners that ack, parse, call one service method, render."""
