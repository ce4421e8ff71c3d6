"""The daemon process: the schedule of passes, systemd's watchdog, the allocator."""
