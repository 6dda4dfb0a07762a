"""The documentation runs: its examples, and a command-line reference kept in step."""
