"""Days and times as people count them: the clock, half years, Dutch working days,
Dutch time."""
