"""Bot services: the use cases, speaking to ports (Protocols), never to Slack, HTTP or Redis."""
