/// Full-text search (schema version 5): an FTS5 index over the text of messages, actions and
/// notices, filled after commit by `SearchIndexer` up to the watermark in `search_state`.
extension Schema {
    /// The event kinds whose text is indexed, as an SQL list.
    static let searchKinds = "('message', 'action', 'notice')"

    /// 4: the external-content index `event_search` (it keeps no copy of the text: it reads
    /// `events.text`), the watermark `search_state`, and a trigger that takes a purged event out of
    /// the index when it was in it. There is no INSERT trigger: indexing stays off the commit path.
    static let search = """
        CREATE VIRTUAL TABLE event_search USING fts5(
            text, content = 'events', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE TABLE search_state (indexed_through INTEGER NOT NULL);
        INSERT INTO search_state (indexed_through) VALUES (0);
        CREATE TRIGGER events_search_delete AFTER DELETE ON events
        WHEN old.kind IN \(searchKinds) AND old.id <= (SELECT indexed_through FROM search_state)
        BEGIN
            INSERT INTO event_search (event_search, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        """

    /// Refuses to go on when this SQLite has no FTS5 (it is compiled into the usual system
    /// libsqlite3, but a custom build may leave it out).
    static func requireFullTextSearch(_ db: Database) throws(StoreError) {
        do {
            try db.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(text); DROP TABLE temp.fts5_probe")
        } catch {
            throw StoreError(
                .sqlite(code: 0), path: db.path,
                message:
                    "this SQLite library has no FTS5 (full-text search), which chatroom needs for /search: "
                    + "use a libsqlite3 built with SQLITE_ENABLE_FTS5 (\(error.message))")
        }
    }
}
