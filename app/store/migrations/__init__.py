"""Alembic migrations of the shared store (env.py runs them; versions/ holds one file per schema change)."""
