"""finops-tui: a turn-based terminal game that teaches FinOps for AI projects."""

__version__ = "0.1.0"
