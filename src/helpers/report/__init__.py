"""Reporting: exporting executed notebooks to HTML and PDF, and the offline site ``reports/index.html``."""
