"""Pure rules: no discord, no SQL (roles, references, policy, durations, search language, reading order, text)."""
