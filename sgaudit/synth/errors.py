"""The error a synthetic-estate call raises when AWS itself would refuse it."""

from __future__ import annotations

from sgaudit.errors import SgauditError


class EstateBuildError(SgauditError):
    """A builder call that AWS itself would refuse (overlapping CIDR, duplicate rule, full subnet...)."""
