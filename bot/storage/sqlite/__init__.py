"""The SQLite backend: one connection, the group-commit writer, upkeep and its migrations."""
