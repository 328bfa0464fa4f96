"""A Spark session for the audit: the master from the settings, UTC, no UI, an in-memory catalog."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
LOGGING = Path(__file__).with_name("log4j2.properties")  # errors only


class SparkUnavailable(RuntimeError):
    """PySpark or Java is missing: says what to install."""


def master() -> str:
    """PRIVACY_AUDIT_SPARK_MASTER, else local[*] (every core of this machine)."""
    return os.environ.get("PRIVACY_AUDIT_SPARK_MASTER") or DEFAULT_MASTER


def partitions() -> str:
    """Shuffle partitions: PRIVACY_AUDIT_SPARK_PARTITIONS, else 8 (Spark's 200 suit a cluster;
    on one machine each empty partition of a small join is a task to schedule)."""
    return os.environ.get("PRIVACY_AUDIT_SPARK_PARTITIONS") or "8"


def driver_memory() -> str:
    """The driver's heap: PRIVACY_AUDIT_SPARK_DRIVER_MEMORY, else 4g. In local mode the tasks run
    in it, and a task reading an export holds the whole file there, several times over (Spark's
    1g default fails on two 110 MB order exports at once)."""
    return os.environ.get("PRIVACY_AUDIT_SPARK_DRIVER_MEMORY") or "4g"


def spark_conf(spark_master: str | None = None) -> dict[str, str]:
    """The audit's Spark settings: the CLI's session and Dagster's spark resource both use them.

    Timestamps are shown and parsed in UTC, as in the DuckDB warehouse, and written to Parquet
    as instants DuckDB reads as timestamptz; the catalog lives in memory (the tables are Parquet
    folders registered by each run, no Hive metastore); the files Spark writes are the owner's
    only (they hold personal data); Spark logs errors only (LOGGING).
    """
    return {
        "spark.master": spark_master or master(),
        "spark.app.name": "privacy-audit",
        "spark.sql.catalogImplementation": "in-memory",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": partitions(),
        "spark.driver.memory": driver_memory(),
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.hadoop.fs.permissions.umask-mode": "077",
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={LOGGING.as_uri()}",
    }


def workers_python() -> None:
    """Spark's Python workers run this interpreter (they convert rows with DuckDB and the
    audit's own functions: pipelines/spark/rows.py), unless PYSPARK_PYTHON names another."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def require_spark() -> None:
    """Raise SparkUnavailable, saying what to install, when PySpark or Java is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError as error:
        raise SparkUnavailable(
            "the Spark engine needs PySpark: pip install -e '.[spark]' (make test installs it)"
        ) from error
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise SparkUnavailable(
            "the Spark engine needs Java 17: tools/system-packages.sh spark "
            "(apt-get install openjdk-17-jre-headless)"
        )


def spark_session(spark_master: str | None = None) -> SparkSession:
    """The session the Spark engine runs in (one per process: a second call reuses it)."""
    require_spark()
    workers_python()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    for key, value in spark_conf(spark_master).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
