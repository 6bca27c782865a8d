-- Full-text search on PostgreSQL (SQLite: FTS5's posts_fts and topics_fts, migrations 0001
-- and 0004): the same words match. Tokens as SQLite's unicode61 tokenizer finds them would
-- be ideal; PostgreSQL's default parser with the `simple` dictionary (no stemming, no stop
-- words) is close, and `unaccent` removes diacritics as `remove_diacritics 2` does, so
-- "cafe" finds "café".
--
-- PostgreSQL's parser reads `<word ...>` as an HTML tag and indexes nothing of it, where
-- SQLite finds the word: threadkeeper_text() hides angle brackets from the parser (as SO and
-- SI, which separate words); headlines are made from the same text and turned back.
--
-- The vectors live in their own tables, kept by triggers (as SQLite's external-content
-- indexes): posts and topics stay the rows every other query reads, without a tsvector.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION threadkeeper (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION threadkeeper ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;

CREATE FUNCTION threadkeeper_text(body text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT translate(body, '<>', E'\x0e\x0f') $$;

CREATE TABLE posts_fts (
    post_id BIGINT   PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    vector  tsvector NOT NULL
);
CREATE INDEX posts_fts_vector ON posts_fts USING GIN (vector);

CREATE TABLE topics_fts (
    topic_id BIGINT   PRIMARY KEY REFERENCES topics(id) ON DELETE CASCADE,
    vector   tsvector NOT NULL
);
CREATE INDEX topics_fts_vector ON topics_fts USING GIN (vector);

CREATE FUNCTION posts_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO posts_fts(post_id, vector) VALUES (NEW.id, to_tsvector('threadkeeper', threadkeeper_text(NEW.content)))
    ON CONFLICT (post_id) DO UPDATE SET vector = excluded.vector;
    RETURN NULL;
END
$$;
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION posts_fts_sync();
CREATE TRIGGER posts_fts_update AFTER UPDATE OF content ON posts FOR EACH ROW
    WHEN (OLD.content IS DISTINCT FROM NEW.content) EXECUTE FUNCTION posts_fts_sync();

CREATE FUNCTION topics_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO topics_fts(topic_id, vector) VALUES (NEW.id, to_tsvector('threadkeeper', threadkeeper_text(NEW.title)))
    ON CONFLICT (topic_id) DO UPDATE SET vector = excluded.vector;
    RETURN NULL;
END
$$;
CREATE TRIGGER topics_fts_insert AFTER INSERT ON topics FOR EACH ROW EXECUTE FUNCTION topics_fts_sync();
CREATE TRIGGER topics_fts_update AFTER UPDATE OF title ON topics FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION topics_fts_sync();

INSERT INTO posts_fts(post_id, vector) SELECT id, to_tsvector('threadkeeper', threadkeeper_text(content)) FROM posts;
INSERT INTO topics_fts(topic_id, vector) SELECT id, to_tsvector('threadkeeper', threadkeeper_text(title)) FROM topics;
