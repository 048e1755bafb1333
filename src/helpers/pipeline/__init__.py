"""Running the compendium: the steps of ``pipeline.yaml`` run by papermill, in order, with a manifest.

- :mod:`helpers.pipeline.runner`: reads ``pipeline.yaml``, checks parameters, runs and skips steps,
  writes ``run_manifest.json`` (``python -m helpers.pipeline`` is its command line).
- :mod:`helpers.pipeline.runlock`: one run at a time per output folder.
- :mod:`helpers.pipeline.errors`: the error every refusal of the runner raises.
- :mod:`helpers.pipeline.choices`: the values the notebooks' parameters may take (the estimators read their
  choices from it; the runner checks every value against it before anything runs).
"""
