//! The SQLite schema, as a list of migrations.

/// Schema migrations, applied in order; `PRAGMA user_version` records how
/// many have run. Never edit a released entry: append a new one.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: initial schema.
    "CREATE TABLE meta (
         key   TEXT PRIMARY KEY,
         value BLOB NOT NULL
     );
     CREATE TABLE partitions (
         id               TEXT PRIMARY KEY,
         label            TEXT NOT NULL UNIQUE,
         created          INTEGER NOT NULL,
         key_under_master BLOB,
         key_sealed       BLOB,
         info             BLOB NOT NULL
     );
     CREATE TABLE pins (
         partition   TEXT NOT NULL REFERENCES partitions(id) ON DELETE CASCADE,
         role        TEXT NOT NULL,
         kdf         BLOB NOT NULL,
         wrapped_key BLOB NOT NULL,
         failures    INTEGER NOT NULL DEFAULT 0,
         PRIMARY KEY (partition, role)
     );
     CREATE TABLE objects (
         seq         INTEGER PRIMARY KEY AUTOINCREMENT,
         uid         TEXT NOT NULL UNIQUE,
         partition   TEXT NOT NULL REFERENCES partitions(id) ON DELETE CASCADE,
         object_type INTEGER NOT NULL,
         state       INTEGER NOT NULL,
         label       TEXT,
         key_id      BLOB,
         attributes  BLOB NOT NULL,
         value       BLOB,
         protected   INTEGER NOT NULL,
         mac         BLOB NOT NULL,
         revision    INTEGER NOT NULL
     );
     CREATE INDEX objects_partition_type ON objects(partition, object_type);
     CREATE INDEX objects_partition_label ON objects(partition, label);
     CREATE INDEX objects_partition_key_id ON objects(partition, key_id);
     CREATE INDEX objects_partition_state ON objects(partition, state);
     CREATE TABLE audit (
         seq        INTEGER PRIMARY KEY,
         time_ms    INTEGER NOT NULL,
         identity   TEXT NOT NULL,
         operation  TEXT NOT NULL,
         object     TEXT,
         result     TEXT NOT NULL,
         client     TEXT,
         detail     TEXT,
         prev_hash  BLOB NOT NULL,
         hash       BLOB NOT NULL
     );
     CREATE INDEX audit_identity ON audit(identity);
     CREATE INDEX audit_object ON audit(object);
     CREATE INDEX audit_time ON audit(time_ms);
     CREATE TABLE audit_head (
         id   INTEGER PRIMARY KEY CHECK (id = 1),
         seq  INTEGER NOT NULL,
         hash BLOB NOT NULL
     );",
    // 2: identities, groups, grants, OTP devices.
    "CREATE TABLE identities (
         name     TEXT PRIMARY KEY,
         is_group INTEGER NOT NULL,
         created  INTEGER NOT NULL,
         info     BLOB NOT NULL
     );
     CREATE TABLE group_members (
         group_name TEXT NOT NULL REFERENCES identities(name) ON DELETE CASCADE,
         member     TEXT NOT NULL REFERENCES identities(name) ON DELETE CASCADE,
         PRIMARY KEY (group_name, member)
     );
     CREATE INDEX group_members_member ON group_members(member);
     CREATE TABLE grants (
         object     TEXT NOT NULL,
         grantee    TEXT NOT NULL REFERENCES identities(name) ON DELETE CASCADE,
         operations INTEGER NOT NULL,
         granted_by TEXT NOT NULL,
         created    INTEGER NOT NULL,
         PRIMARY KEY (object, grantee)
     );
     CREATE INDEX grants_grantee ON grants(grantee);
     CREATE TABLE otp_devices (
         identity  TEXT PRIMARY KEY REFERENCES identities(name) ON DELETE CASCADE,
         partition TEXT NOT NULL REFERENCES partitions(id) ON DELETE CASCADE,
         sealed    BLOB NOT NULL,
         revision  INTEGER NOT NULL
     );",
    // 3: how far the audit journal (`<store>-audit`) is in the log.
    "CREATE TABLE audit_journal (
         id         INTEGER PRIMARY KEY CHECK (id = 1),
         generation INTEGER NOT NULL,
         offset     INTEGER NOT NULL
     );",
];
