-- Discord's archived flag of a topic's thread, as the recorder last saw it (issue 14:
-- changes made in Discord's own interface are recorded live and at catch-up).
ALTER TABLE topics ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
