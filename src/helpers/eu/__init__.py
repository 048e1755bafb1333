"""The 2008 five-country EU citizen survey on co-production (Löffler et al. 2008; Parrado et al. 2013).

Modules (imported on demand, never from here, so that ``helpers.eu.synthetic`` stays independent of the
cleaning, weighting and index code it is checked against):

- ``codebook``: the vendor delivery's columns, codes and value labels; the published targets read from the
  claims registry.
- ``synthetic``: the seeded generator of the synthetic stand-in for the (unpublished) respondent file.
- ``clean``: reading a respondent file (CSV, SPSS, Stata) and cleaning it, with a log of every change.
- ``weights``: within-country post-stratification weights and the cross-country (EU-04) weights.
- ``index``: the 0-100 co-production index per sector.
"""

__all__ = ["codebook", "synthetic", "clean", "weights", "index"]
