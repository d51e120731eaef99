"""The simulated HomeSmartlink cloud (see app.py)."""

from .app import SAMPLE_HOME, Fault, RecordedRequest, Simulator, more_homes

__all__ = ["SAMPLE_HOME", "Fault", "RecordedRequest", "Simulator", "more_homes"]
