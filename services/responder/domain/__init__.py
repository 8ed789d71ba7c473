"""Pure rules of the responder: what to say, whether it may be said, and what happens next."""
