"""Replay of the ClinicalTrials.gov API v2 over dated snapshots, with fault injection.

There is no internet here: the demo, the tests and the benchmarks pull from this server.
See docs/architecture.md for the snapshot folder format, clock.py for the publication calendar
the replay can follow (which stored day it serves when), and faults.py for fault injection.
"""
from .calendar_days import write_calendar_days
from .clock import PublicationCalendar, ReplayClock
from .faults import FAULT_KINDS, Fault, parse_faults
from .server import ReplayServer, RequestRecord
from .snapshots import SnapshotError, SnapshotStore

__all__ = [
    "FAULT_KINDS", "Fault", "PublicationCalendar", "ReplayClock", "ReplayServer", "RequestRecord",
    "SnapshotError", "SnapshotStore", "parse_faults", "write_calendar_days",
]
