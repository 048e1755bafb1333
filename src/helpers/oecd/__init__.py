"""The OECD 2010 officials survey (Government at a Glance 2011, ch. 50): codebook, synthetic
stand-in generator, cleaning, estimates and figures.

Modules: ``codebook`` (countries, COFOG areas, items, vendor codes), ``synthetic`` (seeded
generator calibrated to the claims registry), ``clean`` (vendor file -> tidy long table),
``estimates`` (percent affirmative with design-based CIs; claim checks), ``figures`` (Figures
50.1-50.3).
"""

__all__ = ["codebook", "synthetic", "clean", "estimates", "figures"]
