"""`python -m services.triage`."""

from services.triage.bootstrap import main

main()
