from services.ingest.bootstrap import main

main()
