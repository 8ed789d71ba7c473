"""Reporting: exchange history, metrics and the read API over everything the other services did."""
