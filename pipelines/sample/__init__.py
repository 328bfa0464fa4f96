"""Deterministic sample estate of BetterBox Communications Ltd (a UK telecoms reseller):
twelve vendor-layout exports (the CRM, orders, calls, Mailchimp, chats and the two hand-kept logs
over ten years up to an as-of date; the website's cookie scans and consent log, job applications
and the HR export), compliant except for the planted violations listed in ground_truth.csv
(beside the dataset folders)."""

from .generator import generate_estate
from .writers import DATASETS

__all__ = ["DATASETS", "generate_estate"]
