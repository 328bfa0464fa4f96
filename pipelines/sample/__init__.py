"""Deterministic sample estate of BetterBox Communications Ltd (a UK telecoms reseller):
eight vendor-layout exports covering ten years up to an as-of date, compliant except for the
planted violations listed in ground_truth.csv (beside the dataset folders)."""

from .generator import generate_estate
from .writers import DATASETS

__all__ = ["DATASETS", "generate_estate"]
