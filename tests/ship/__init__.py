"""Shipping checks: the Docker image recipe, the security headers, and fuzzing the API."""
