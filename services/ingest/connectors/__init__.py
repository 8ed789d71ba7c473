"""Platform connectors: pure parsing and signature checks, platform payloads in, comments out."""
