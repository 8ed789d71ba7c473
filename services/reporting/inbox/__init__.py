"""The support team's inbox: server-rendered pages over every exchange, served by reporting."""
