"""Typed models of the AWS API responses sgaudit reads.

Each model parses the raw JSON exactly as the AWS CLI prints it (aliases carry AWS's field names), keeps
only the fields the auditor uses, and is frozen. Normalised views (one peer per security-group rule,
interface ownership) are built from these in :mod:`sgaudit.inventory`.
"""
