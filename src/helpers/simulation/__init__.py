"""The validation study: a simulation study of the compendium's own analysis (issue 14).

Synthetic data can show what real data never can, because the truth is known. This package draws a known
*population* from the generators' models (:mod:`helpers.simulation.population`), repeated samples from it the
way the surveys were drawn, with non-response (:mod:`~helpers.simulation.sampling`), and runs the
compendium's own cleaning, weighting and estimation functions on each sample in-process
(:mod:`~helpers.simulation.replicate`). The replicates run as tasks on Dask (:mod:`~helpers.simulation.runner`);
their Monte Carlo summaries (bias, RMSE, coverage, rejection rates, each with its Monte Carlo standard error)
are in :mod:`~helpers.simulation.summaries`, the multiverse of analysis choices on the calibrated samples in
:mod:`~helpers.simulation.multiverse`, and the validation scorecard in :mod:`~helpers.simulation.scorecard`.

Every number the study makes comes from synthetic data and describes the *code*, not officials or citizens.
"""
