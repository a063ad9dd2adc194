"""Optional pieces built on the public API (each documents what it needs installed)."""
