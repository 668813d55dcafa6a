"""Sequence datasets: readers for archive formats and bundled real data."""

from sklstm.datasets._base import (
    SequenceDataset,
    load_earthquakes,
    load_ecg200,
    load_folder,
    load_wafer,
)
from sklstm.datasets._fetch import fetch_ucr, get_data_home
from sklstm.datasets._formats import load_labelled_text, load_ts, load_ucr_tsv

__all__ = [
    "SequenceDataset",
    "fetch_ucr",
    "get_data_home",
    "load_earthquakes",
    "load_ecg200",
    "load_folder",
    "load_labelled_text",
    "load_ts",
    "load_ucr_tsv",
    "load_wafer",
]
