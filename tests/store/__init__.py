"""Tests: the database, its migrations, organisation names."""
