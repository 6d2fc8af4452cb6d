"""`python -m relulint` = the `relulint` command."""

from relulint.cli import main

raise SystemExit(main())
