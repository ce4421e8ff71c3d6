"""Tests: the daemon process: its loop, the watchdog, memory, the systemd unit."""
