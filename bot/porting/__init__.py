"""Export and import of the forum (Threadkeeper JSON; bbPress WXR in)."""
