-- Topic titles searchable: an external-content FTS5 index over topics.title, kept by triggers.
CREATE VIRTUAL TABLE topics_fts USING fts5(
    title, content='topics', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO topics_fts(topics_fts) VALUES ('rebuild');
CREATE TRIGGER topics_fts_insert AFTER INSERT ON topics BEGIN
    INSERT INTO topics_fts(rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER topics_fts_delete AFTER DELETE ON topics BEGIN
    INSERT INTO topics_fts(topics_fts, rowid, title) VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER topics_fts_update AFTER UPDATE OF title ON topics BEGIN
    INSERT INTO topics_fts(topics_fts, rowid, title) VALUES ('delete', old.id, old.title);
    INSERT INTO topics_fts(rowid, title) VALUES (new.id, new.title);
END;
