"""Triage's pure core: classification, policy, SLA arithmetic, exchange state. No I/O imports."""
