"""regbot: IONOS Container Registry tokens through Slack, without sharing the cloud credentials."""

__version__ = "0.1.0"
