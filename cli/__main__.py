"""`python -m cli ...` is the `trialchat` command."""
from cli.main import main

raise SystemExit(main())
