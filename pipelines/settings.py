"""Where an audit reads and writes: flags, else PRIVACY_AUDIT_* variables, else defaults.

Defaults are relative to the working directory, so `privacy-audit run` in the project folder audits
the sample estate in exports/.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

DEFAULTS = {
    "exports_dir": "exports",
    "data_map_dir": "data_map",
    "expectations_dir": "expectations",
    "db_path": "warehouse/warehouse.duckdb",
    "reports_dir": "reports",
    "key_file": "secrets/subject-key",
}
ENGINES = ("duckdb", "spark")
SAMPLE_CONTACTS = 10_000
SAMPLE_SEED = 42


@dataclass(frozen=True)
class Settings:
    exports_dir: Path
    data_map_dir: Path
    expectations_dir: Path
    db_path: Path
    reports_dir: Path
    key_file: Path
    as_of: date = field(default_factory=date.today)
    # where staging, the text scan, identities and rules run (--engine, PRIVACY_AUDIT_ENGINE):
    # DuckDB, or Spark over Parquet copies (spark_dir); its master is PRIVACY_AUDIT_SPARK_MASTER
    engine: str = "duckdb"
    # exports a Spark engine reads from a URI (--exports-uri, PRIVACY_AUDIT_EXPORTS_URI: hdfs:,
    # s3a:, file:), instead of the exports folder
    exports_uri: str = ""

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine '{self.engine}': choose {' or '.join(ENGINES)}")
        if self.exports_uri and self.engine != "spark":
            raise ValueError(
                f"exports at a URI ({self.exports_uri}) are read by the Spark engine only: "
                "add --engine spark, or give a local folder as --exports"
            )

    @property
    def spark_dir(self) -> Path:
        """The tables Spark reads, as Parquet: <warehouse>.parquet/<layer>/<table>/."""
        return self.db_path.with_name(self.db_path.stem + ".parquet")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, overridden by PRIVACY_AUDIT_<NAME> variables, overridden by non-None args."""
        values: dict[str, object] = {
            name: Path(os.environ.get(f"PRIVACY_AUDIT_{name.upper()}", default))
            for name, default in DEFAULTS.items()
        }
        if as_of := os.environ.get("PRIVACY_AUDIT_AS_OF"):
            values["as_of"] = date.fromisoformat(as_of)
        if engine := os.environ.get("PRIVACY_AUDIT_ENGINE"):
            values["engine"] = engine
        if uri := os.environ.get("PRIVACY_AUDIT_EXPORTS_URI"):
            values["exports_uri"] = uri
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)
