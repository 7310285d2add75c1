"""`python -m experiments.forecast`: the reference forecast and the README section it feeds."""

from experiments.forecast.reference import main

raise SystemExit(main())
