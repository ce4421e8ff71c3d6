"""Self-contained stand-ins for mail infrastructure, used by `mailbot demo` and tests."""
