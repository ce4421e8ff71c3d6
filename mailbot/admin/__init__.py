"""What an admin looks at and runs: health, imports, database readiness, redaction."""
