-- Threadkeeper schema, version 1.
CREATE TABLE guilds (
    guild_id              INTEGER PRIMARY KEY,
    name                  TEXT    NOT NULL DEFAULT '',
    next_number           INTEGER NOT NULL DEFAULT 1,   -- shared topic/reply sequence, never reused
    default_role          TEXT    NOT NULL DEFAULT 'participant',
    registration          TEXT    NOT NULL DEFAULT 'open',
    throttle_seconds      INTEGER NOT NULL DEFAULT 10,
    replies_per_page      INTEGER NOT NULL DEFAULT 15,
    auto_close_days       INTEGER NOT NULL DEFAULT 0,
    notify_digest_minutes INTEGER NOT NULL DEFAULT 10
);

CREATE TABLE forums (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL REFERENCES guilds(guild_id),
    channel_id    INTEGER NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    description   TEXT    NOT NULL DEFAULT '',
    solved_tag_id INTEGER,
    registered    INTEGER NOT NULL DEFAULT 1,
    public        INTEGER NOT NULL DEFAULT 1,   -- @everyone can view the channel (web archive)
    topic_count   INTEGER NOT NULL DEFAULT 0,   -- published topics
    post_count    INTEGER NOT NULL DEFAULT 0,   -- published posts, opening posts included
    last_post_at  TEXT,
    created_at    TEXT    NOT NULL
);
CREATE INDEX forums_guild ON forums(guild_id, registered);

CREATE TABLE topics (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL REFERENCES guilds(guild_id),
    forum_id         INTEGER NOT NULL REFERENCES forums(id),
    number           INTEGER NOT NULL,
    thread_id        INTEGER NOT NULL UNIQUE,
    title            TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'open',  -- open closed spam trash pending deleted
    close_reason     TEXT,
    sticky           TEXT    NOT NULL DEFAULT 'none',  -- none sticky super
    tags             TEXT    NOT NULL DEFAULT '[]',
    author_id        INTEGER NOT NULL,
    author_name      TEXT    NOT NULL,
    author_role      TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    reply_count      INTEGER NOT NULL DEFAULT 0,       -- published replies (opening post excluded)
    voice_count      INTEGER NOT NULL DEFAULT 1,       -- distinct authors
    last_post_at     TEXT    NOT NULL,
    last_post_number INTEGER,
    solved           INTEGER NOT NULL DEFAULT 0,
    UNIQUE (guild_id, number)
);
CREATE INDEX topics_forum_latest  ON topics(forum_id, status, last_post_at DESC);
CREATE INDEX topics_forum_created ON topics(forum_id, status, created_at DESC);
CREATE INDEX topics_forum_popular ON topics(forum_id, status, reply_count DESC);
CREATE INDEX topics_guild_latest  ON topics(guild_id, status, last_post_at DESC);
CREATE INDEX topics_sticky        ON topics(guild_id, sticky) WHERE sticky != 'none';

CREATE TABLE posts (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL REFERENCES guilds(guild_id),
    topic_id       INTEGER NOT NULL REFERENCES topics(id),
    number         INTEGER NOT NULL,
    message_id     INTEGER NOT NULL UNIQUE,
    channel_id     INTEGER NOT NULL,                   -- the thread the message lives in now
    parent_id      INTEGER REFERENCES posts(id),        -- nested reply: the post it answers
    is_opening     INTEGER NOT NULL DEFAULT 0,
    author_id      INTEGER NOT NULL,
    author_name    TEXT    NOT NULL,
    author_role    TEXT    NOT NULL,
    content        TEXT    NOT NULL,
    attachments    TEXT    NOT NULL DEFAULT '[]',       -- JSON [{"filename","url"}]
    status         TEXT    NOT NULL DEFAULT 'publish',  -- publish spam trash pending deleted
    flag           TEXT,                                -- why it is held for /mod queue
    accepted       INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT    NOT NULL,
    edited_at      TEXT,
    UNIQUE (guild_id, number)
);
CREATE INDEX posts_topic  ON posts(topic_id, created_at, id);
CREATE INDEX posts_author ON posts(guild_id, author_id, created_at);
CREATE INDEX posts_thread ON posts(channel_id, message_id);

CREATE TABLE revisions (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts(id),
    content    TEXT    NOT NULL,   -- the content before the edit
    revised_at TEXT    NOT NULL
);
CREATE INDEX revisions_post ON revisions(post_id, id);

CREATE TABLE topic_voices (
    topic_id  INTEGER NOT NULL REFERENCES topics(id),
    author_id INTEGER NOT NULL,
    PRIMARY KEY (topic_id, author_id)
) WITHOUT ROWID;

CREATE TABLE assignments (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    role        TEXT    NOT NULL,
    source      TEXT    NOT NULL,   -- join, role, block
    expires_at  TEXT,
    reason      TEXT,
    assigned_by INTEGER,
    assigned_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;
CREATE INDEX assignments_expiry ON assignments(expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE rolemap (
    guild_id        INTEGER NOT NULL,
    discord_role_id INTEGER NOT NULL,
    forum_role      TEXT    NOT NULL,
    PRIMARY KEY (guild_id, discord_role_id)
) WITHOUT ROWID;

CREATE TABLE subscriptions (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    topic_id   INTEGER REFERENCES topics(id),
    forum_id   INTEGER REFERENCES forums(id),
    muted      INTEGER NOT NULL DEFAULT 0,     -- an author's default subscription, undone
    created_at TEXT    NOT NULL
);
CREATE UNIQUE INDEX subscriptions_unique ON subscriptions(user_id, IFNULL(topic_id, 0), IFNULL(forum_id, 0));
CREATE INDEX subscriptions_topic ON subscriptions(topic_id) WHERE topic_id IS NOT NULL;
CREATE INDEX subscriptions_forum ON subscriptions(forum_id) WHERE forum_id IS NOT NULL;

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    actor_id    INTEGER NOT NULL,
    actor_name  TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target_user INTEGER,
    topic_id    INTEGER,
    post_id     INTEGER,
    reason      TEXT,
    details     TEXT    NOT NULL DEFAULT '{}',
    created_at  TEXT    NOT NULL
);
CREATE INDEX audit_guild ON audit_log(guild_id, id DESC);

CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    post_id     INTEGER NOT NULL REFERENCES posts(id),
    kind        TEXT    NOT NULL,   -- report (a member reported it), held (recorded but not allowed)
    reporter_id INTEGER,
    reason      TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'open',  -- open approved dismissed
    created_at  TEXT    NOT NULL,
    resolved_by INTEGER,
    resolved_at TEXT
);
CREATE INDEX reports_open ON reports(guild_id, status, id);

CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Full-text search over posts, an external-content table kept by triggers.
CREATE VIRTUAL TABLE posts_fts USING fts5(
    content, content='posts', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF content ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO posts_fts(rowid, content) VALUES (new.id, new.content);
END;
