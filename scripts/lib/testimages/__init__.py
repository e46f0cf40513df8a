"""Deterministic OCI test-image builder used by scripts/make-test-images (stdlib only)."""
