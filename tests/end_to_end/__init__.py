"""Tests: stories end to end: mails in, replies out, real servers."""
