"""The operator's tools: the `steam-connect` command, the local stack, replay and classify."""
