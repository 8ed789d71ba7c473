"""Training and evaluation of the triage classifier from the shared, licence-checked datasets."""
