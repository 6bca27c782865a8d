"""The read-only web archive (SPEC §6): aiohttp + jinja2, from a read-only database connection."""
