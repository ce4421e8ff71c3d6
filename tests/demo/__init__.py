"""Tests: the demo round trip and its mailbox."""
