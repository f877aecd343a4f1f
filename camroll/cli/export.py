"""Placeholder: commands of this area are being written."""
