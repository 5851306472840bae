"""The HTTP routes of every feature (the feature packages hold the logic; these translate HTTP to it)."""
