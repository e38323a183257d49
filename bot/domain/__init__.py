"""The domain: what a token request is, its states and rules. Imports nothing from regbot."""
