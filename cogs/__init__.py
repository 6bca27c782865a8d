"""Features: each cog parses interactions/events, calls bot/ services, and renders."""
