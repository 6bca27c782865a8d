"""Storage: one SQLite database; repositories own every line of SQL."""
