"""sgaudit: audit AWS security group connectivity, offline, from a snapshot."""

__version__ = "0.1.0"
