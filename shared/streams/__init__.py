"""Redis-stream plumbing shared by every service: names, encoding, publishing, consuming."""
