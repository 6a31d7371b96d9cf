"""Worker processes: where computations run, so every core works and a deadline can stop one (design.md §12)."""
