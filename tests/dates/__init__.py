"""Tests: the clock and half years."""
