"""What the bot does in Discord: recording, posting, moderation, restructure, access, alerts."""
