"""Tests: reading mail as clients write it, hostile mail, the form and its values."""
