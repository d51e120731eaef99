"""The simulated HomeSmartlink cloud (see app.py)."""

from .app import SAMPLE_HOME, Fault, RecordedRequest, Simulator

__all__ = ["SAMPLE_HOME", "Fault", "RecordedRequest", "Simulator"]
