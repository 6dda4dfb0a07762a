"""The ``trustboard`` command line (commands call services; nothing else)."""
