"""`python -m services.reporting`."""

from services.reporting.bootstrap import main

main()
