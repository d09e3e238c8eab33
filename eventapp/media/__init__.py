"""Uploaded files: speaker photos, checked and re-encoded, served from instance/uploads."""
