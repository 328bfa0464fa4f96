"""Peer benchmark, first half: pandas reading every export file, as a team's own audit would.

    .venv/bin/python benchmarks/peer_read.py EXPORTS_DIR

The GX-on-pandas peer (peer_pandas.py) validates DataFrames loaded from our warehouse, so its
time leaves out what a team would do first: read the exports. This reads each dataset's files
with pandas as the data map declares them (delimiter, quote, header or column names, encoding, a
byte-order mark; JSON lines or an API page; Excel; Parquet), every value as text, the C parser,
bad lines skipped. Each dataset's frame is dropped once read, so the peak RSS is the largest
dataset's, not the whole estate's (a team holding every frame needs more), and nothing is typed:
both make this a lower bound of the team's cost. The last line on stdout is JSON: read_s, rows
(per dataset), files, peak_rss_mb.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.datamap import load_data_map  # noqa: E402
from pipelines.datamap.models import FileSpec  # noqa: E402
from pipelines.ingest.files import detected_encoding  # noqa: E402
from pipelines.ingest.load import find_files  # noqa: E402


def read(path: Path, files: FileSpec) -> pd.DataFrame:
    """One export file as a DataFrame of text."""
    encoding = detected_encoding(path, files.encoding)  # a byte-order mark wins
    if files.format == "csv":
        return pd.read_csv(
            path,
            sep=files.delimiter,
            quotechar=files.quote,
            header=0 if files.header else None,
            names=None if files.header else files.column_names,
            dtype=str,
            keep_default_na=False,
            encoding=encoding,
            encoding_errors="replace",
            on_bad_lines="skip",
        )
    if files.format == "parquet":
        return pd.read_parquet(path).astype(str)
    if files.format == "xlsx":
        return pd.read_excel(path, sheet_name=files.sheet or 0, dtype=str)
    text = path.read_text(encoding=encoding, errors="replace")
    try:  # an API page: one document
        records = json.loads(text)
    except json.JSONDecodeError:  # JSON lines
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    for key in (files.records_path or "").split("."):
        records = records.get(key, []) if key and isinstance(records, dict) else records
    return pd.json_normalize(records).astype(str)


def read_exports(exports: Path) -> dict:
    data_map = load_data_map(ROOT / "data_map")
    rows, files = {}, 0
    started = time.perf_counter()
    for spec in data_map.datasets.values():
        frames = []
        for path in find_files(exports, spec):
            try:
                frames.append(read(path, spec.files))
            except (ValueError, UnicodeError, json.JSONDecodeError):
                continue  # a file pandas cannot read is a file this team skips
            files += 1
        rows[spec.name] = sum(len(f) for f in frames)
        del frames
    return {"read_s": round(time.perf_counter() - started, 3), "rows": rows, "files": files}


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("exports", type=Path)
    result = read_exports(parser.parse_args().exports)
    result["peak_rss_mb"] = round(peak_rss_mb())
    print(
        f"read {result['files']} files, {sum(result['rows'].values()):,} rows in "
        f"{result['read_s']} s, peak RSS {result['peak_rss_mb']} MB"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
