"""Subject look-up: everything held on one person, for access and erasure requests."""

from pipelines.lookup.render import print_report, to_html, to_json, write_files
from pipelines.lookup.subject import (
    InvalidIdentifier,
    SubjectNotFound,
    look_up_subject,
    normalise,
)

__all__ = [
    "InvalidIdentifier",
    "SubjectNotFound",
    "look_up_subject",
    "normalise",
    "print_report",
    "to_html",
    "to_json",
    "write_files",
]
