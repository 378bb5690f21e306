"""A drive's updates: news and milestones (handed over, government response, debate, outcome),
shown on the drive's timeline and, if the campaigner chooses, mailed to consenting signers."""
