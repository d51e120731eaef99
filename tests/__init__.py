"""Tests of the HomeSmartlink integration."""
