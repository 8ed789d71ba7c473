"""`python -m services.responder` runs the responder service."""

from services.responder.bootstrap import main

main()
