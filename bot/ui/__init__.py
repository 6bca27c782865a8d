"""Turning records into what members read: text, embeds, pagination views."""
