"""The data map: pydantic models, loader and validator for data_map/ (imports nothing else)."""

from pipelines.datamap.loader import load_data_map
from pipelines.datamap.models import ColumnSpec, DataMap, DatasetSpec
from pipelines.datamap.problems import DataMapError, Problem

__all__ = ["ColumnSpec", "DataMap", "DataMapError", "DatasetSpec", "Problem", "load_data_map"]
