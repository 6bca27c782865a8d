-- /topic list's status filters count from the forums' rows, not from 100,000 index entries
-- (topics.list_page). Kept by triggers, so every path that creates, moves, closes, hides,
-- solves or deletes a topic keeps them exact; a reply (which changes none of these
-- columns) fires none of them.
ALTER TABLE forums ADD COLUMN open_count   INTEGER NOT NULL DEFAULT 0;  -- topics with status open
ALTER TABLE forums ADD COLUMN closed_count INTEGER NOT NULL DEFAULT 0;  -- topics with status closed
ALTER TABLE forums ADD COLUMN solved_count INTEGER NOT NULL DEFAULT 0;  -- open or closed, and solved

UPDATE forums SET
    open_count   = (SELECT COUNT(*) FROM topics t WHERE t.forum_id = forums.id AND t.status = 'open'),
    closed_count = (SELECT COUNT(*) FROM topics t WHERE t.forum_id = forums.id AND t.status = 'closed'),
    solved_count = (SELECT COUNT(*) FROM topics t WHERE t.forum_id = forums.id AND t.solved = 1
                    AND t.status IN ('open', 'closed'));

CREATE TRIGGER topics_status_counts_insert AFTER INSERT ON topics BEGIN
    UPDATE forums SET
        open_count   = open_count + (new.status = 'open'),
        closed_count = closed_count + (new.status = 'closed'),
        solved_count = solved_count + (new.solved = 1 AND new.status IN ('open', 'closed'))
    WHERE id = new.forum_id;
END;
CREATE TRIGGER topics_status_counts_delete AFTER DELETE ON topics BEGIN
    UPDATE forums SET
        open_count   = open_count - (old.status = 'open'),
        closed_count = closed_count - (old.status = 'closed'),
        solved_count = solved_count - (old.solved = 1 AND old.status IN ('open', 'closed'))
    WHERE id = old.forum_id;
END;
CREATE TRIGGER topics_status_counts_update AFTER UPDATE OF status, solved, forum_id ON topics BEGIN
    UPDATE forums SET
        open_count   = open_count - (old.status = 'open'),
        closed_count = closed_count - (old.status = 'closed'),
        solved_count = solved_count - (old.solved = 1 AND old.status IN ('open', 'closed'))
    WHERE id = old.forum_id;
    UPDATE forums SET
        open_count   = open_count + (new.status = 'open'),
        closed_count = closed_count + (new.status = 'closed'),
        solved_count = solved_count + (new.solved = 1 AND new.status IN ('open', 'closed'))
    WHERE id = new.forum_id;
END;
