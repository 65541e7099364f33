//! Identities, groups, grants and OTP devices in the SQLite store.

use super::{bytes, is_unique_violation, SqliteStore};
use crate::error::{Error, Result};
use crate::storage::{GrantRow, IdentityRow, OtpDeviceRow};
use rusqlite::{params, OptionalExtension};

pub(super) fn insert_identity(store: &SqliteStore, row: &IdentityRow) -> Result<()> {
    store.write(|tx| {
        tx.execute(
            "INSERT INTO identities (name, is_group, created, info) VALUES (?1, ?2, ?3, ?4)",
            params![row.name, row.is_group, row.created, row.info],
        )
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::AlreadyExists(format!("identity {:?}", row.name))
            } else {
                e.into()
            }
        })?;
        Ok(())
    })
}

pub(super) fn get_identity(store: &SqliteStore, name: &str) -> Result<Option<IdentityRow>> {
    let conn = store.read();
    // Cached: every KMIP request looks its identity up.
    let mut stmt = conn
        .prepare_cached("SELECT name, is_group, created, info FROM identities WHERE name = ?1")?;
    let row = stmt.query_row([name], identity_from_row).optional()?;
    Ok(row)
}

pub(super) fn list_identities(store: &SqliteStore) -> Result<Vec<IdentityRow>> {
    let conn = store.read();
    let mut stmt =
        conn.prepare("SELECT name, is_group, created, info FROM identities ORDER BY name")?;
    let rows = stmt.query_map([], identity_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(super) fn update_identity(store: &SqliteStore, row: &IdentityRow) -> Result<()> {
    store.write(|tx| {
        let n = tx.execute(
            "UPDATE identities SET info = ?2 WHERE name = ?1",
            params![row.name, row.info],
        )?;
        if n == 0 {
            return Err(Error::NotFound(format!("identity {:?}", row.name)));
        }
        Ok(())
    })
}

pub(super) fn delete_identity(store: &SqliteStore, name: &str) -> Result<bool> {
    store.write(|tx| Ok(tx.execute("DELETE FROM identities WHERE name = ?1", [name])? == 1))
}

pub(super) fn add_group_member(store: &SqliteStore, group: &str, member: &str) -> Result<()> {
    store.write(|tx| {
        let is_group: Option<bool> = tx
            .query_row(
                "SELECT is_group FROM identities WHERE name = ?1",
                [group],
                |r| r.get(0),
            )
            .optional()?;
        match is_group {
            Some(true) => {}
            Some(false) => return Err(Error::InvalidArgument(format!("{group:?} is not a group"))),
            None => return Err(Error::NotFound(format!("group {group:?}"))),
        }
        tx.execute(
            "INSERT INTO group_members (group_name, member) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING",
            params![group, member],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                Error::NotFound(format!("identity {member:?}"))
            }
            e => e.into(),
        })?;
        Ok(())
    })
}

pub(super) fn remove_group_member(store: &SqliteStore, group: &str, member: &str) -> Result<bool> {
    store.write(|tx| {
        Ok(tx.execute(
            "DELETE FROM group_members WHERE group_name = ?1 AND member = ?2",
            params![group, member],
        )? == 1)
    })
}

pub(super) fn groups_of(store: &SqliteStore, member: &str) -> Result<Vec<String>> {
    let conn = store.read();
    let mut stmt =
        conn.prepare("SELECT group_name FROM group_members WHERE member = ?1 ORDER BY group_name")?;
    let rows = stmt.query_map([member], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(super) fn put_grant(store: &SqliteStore, row: &GrantRow) -> Result<()> {
    store.write(|tx| {
        tx.execute(
            "INSERT INTO grants (object, grantee, operations, granted_by, created)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(object, grantee) DO UPDATE SET
                 operations = excluded.operations, granted_by = excluded.granted_by,
                 created = excluded.created",
            params![
                row.object,
                row.grantee,
                row.operations,
                row.granted_by,
                row.created
            ],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                Error::NotFound(format!("identity {:?}", row.grantee))
            }
            e => e.into(),
        })?;
        Ok(())
    })
}

pub(super) fn delete_grant(store: &SqliteStore, object: &str, grantee: &str) -> Result<bool> {
    store.write(|tx| {
        Ok(tx.execute(
            "DELETE FROM grants WHERE object = ?1 AND grantee = ?2",
            params![object, grantee],
        )? == 1)
    })
}

pub(super) fn grants(store: &SqliteStore, object: Option<&str>) -> Result<Vec<GrantRow>> {
    let conn = store.read();
    let mut stmt = conn.prepare(
        "SELECT object, grantee, operations, granted_by, created FROM grants
         WHERE ?1 IS NULL OR object = ?1 ORDER BY object, grantee",
    )?;
    let rows = stmt.query_map([object], grant_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(super) fn grants_to(store: &SqliteStore, grantees: &[String]) -> Result<Vec<GrantRow>> {
    let conn = store.read();
    let mut stmt = conn.prepare(
        "SELECT object, grantee, operations, granted_by, created FROM grants
         WHERE grantee = ?1 ORDER BY object",
    )?;
    let mut out = Vec::new();
    for g in grantees {
        let rows = stmt.query_map([g], grant_from_row)?;
        out.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    Ok(out)
}

pub(super) fn get_otp_device(store: &SqliteStore, identity: &str) -> Result<Option<OtpDeviceRow>> {
    let conn = store.read();
    Ok(conn
        .query_row(
            "SELECT identity, partition, sealed, revision FROM otp_devices WHERE identity = ?1",
            [identity],
            |r| {
                Ok(OtpDeviceRow {
                    identity: r.get(0)?,
                    partition: r.get(1)?,
                    sealed: bytes(r, 2)?.unwrap_or_default(),
                    revision: r.get(3)?,
                })
            },
        )
        .optional()?)
}

pub(super) fn put_otp_device(store: &SqliteStore, row: &OtpDeviceRow) -> Result<bool> {
    store.write(|tx| {
        let n = if row.revision == 1 {
            tx.execute(
                "INSERT INTO otp_devices (identity, partition, sealed, revision)
                 VALUES (?1, ?2, ?3, 1) ON CONFLICT DO NOTHING",
                params![row.identity, row.partition, row.sealed],
            )?
        } else {
            tx.execute(
                "UPDATE otp_devices SET partition = ?2, sealed = ?3, revision = ?4
                 WHERE identity = ?1 AND revision = ?4 - 1",
                params![row.identity, row.partition, row.sealed, row.revision],
            )?
        };
        Ok(n == 1)
    })
}

pub(super) fn delete_otp_device(store: &SqliteStore, identity: &str) -> Result<bool> {
    store
        .write(|tx| Ok(tx.execute("DELETE FROM otp_devices WHERE identity = ?1", [identity])? == 1))
}

fn identity_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<IdentityRow> {
    Ok(IdentityRow {
        name: r.get(0)?,
        is_group: r.get(1)?,
        created: r.get(2)?,
        info: bytes(r, 3)?.unwrap_or_default(),
    })
}

fn grant_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GrantRow> {
    Ok(GrantRow {
        object: r.get(0)?,
        grantee: r.get(1)?,
        operations: r.get(2)?,
        granted_by: r.get(3)?,
        created: r.get(4)?,
    })
}
