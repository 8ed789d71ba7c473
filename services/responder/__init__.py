"""Responder: turns decisions into platform actions, exactly once per action id."""
