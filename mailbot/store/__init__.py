"""The database and what it holds: organisations and their names, submissions,
requests, the schema and its migrations."""
