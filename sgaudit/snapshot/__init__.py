"""Snapshots: raw AWS API responses on disk (DESIGN.md section 2) and their manifest."""
