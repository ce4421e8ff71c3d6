"""The mailbox side: IMAP access and reading raw messages."""
