"""Who may log in: the secret, the sender's registration, DMARC, lockouts, strangers."""
