"""Redis-backed stores: requests (an atomic state machine), the audit stream, ownership."""
