"""Tests: composing, queueing, capping and sending replies."""
