"""Tests: the mailbox, the pass and one message's steps, crashes and kills."""
