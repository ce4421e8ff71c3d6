"""Tests: reports, exports and the files people open."""
