"""The mailbox and the way of one message through the bot: fetch, archive, claim,
classify, hand to its handler, record, file away."""
