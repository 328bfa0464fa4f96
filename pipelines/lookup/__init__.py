"""Subject look-up: everything held on one person, for access and erasure requests."""

from pipelines.lookup.render import to_html, to_json, write_files
from pipelines.lookup.subject import (
    InvalidIdentifier,
    look_up_subject,
    normalise,
)
from pipelines.lookup.terminal import print_report

__all__ = [
    "InvalidIdentifier",
    "look_up_subject",
    "normalise",
    "print_report",
    "to_html",
    "to_json",
    "write_files",
]
