"""The numeric layer: derived gradients compiled to vectorised numpy functions."""
