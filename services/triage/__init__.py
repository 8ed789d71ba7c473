"""Triage: classify each comment, apply the moderation policy, record and publish the decision."""
