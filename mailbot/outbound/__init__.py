"""Replies going out: rendered from templates, composed, queued, capped, sent."""
