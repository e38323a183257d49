"""The policy file: who approves what, limits and reminders, per registry (`model`), its
field types and durations (`fields`), and reading the YAML with one-line errors (`file`)."""
