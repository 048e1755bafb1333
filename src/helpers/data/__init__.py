"""Reading and checking data: input validation, real-data deliveries, the raw data package, provenance and
the claims registry."""
