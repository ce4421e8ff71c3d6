"""Tests: the CLI and what an admin sees."""
