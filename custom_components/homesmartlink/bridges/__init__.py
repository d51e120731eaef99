"""Optional outward bridges: the same heaters for the Yango and Sber voice platforms.

Both read the coordinator snapshots and write through `control.py`, like the climate entities.
"""
