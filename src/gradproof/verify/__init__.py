"""The verify layer: finite differences, kink-aware gradient checks, reports."""
