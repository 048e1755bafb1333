"""``python -m helpers.pipeline plan|run ...``: the compendium's command line (see ``runner.main``)."""

from helpers.pipeline.runner import main

raise SystemExit(main())
