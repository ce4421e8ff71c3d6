"""Tests: secrets, senders, DMARC."""
