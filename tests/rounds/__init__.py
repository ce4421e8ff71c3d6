"""Tests: half-year rounds: invitations, reminders, deadlines, working days."""
