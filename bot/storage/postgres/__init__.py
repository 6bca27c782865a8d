"""The PostgreSQL backend: a psycopg 3 pool, the shared group-commit writer, its migrations."""
