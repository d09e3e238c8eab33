"""Encryption at rest of the most sensitive values we hold: passport data, bank details.

The keys live in ``<instance>/encryption.keys``, apart from the database: a copy of the
database (a backup, a dump sent for debugging) holds only ciphertext. The file is made
with mode 0600 on first use and holds one Fernet key a line, the newest first: values are
encrypted with the first and decrypted with any (MultiFernet), so a rotation
(`flask --app eventapp rotate-encryption-key`, see `rotate`) adds a key, re-encrypts every
value with it, and only then retires the older keys.

Which columns hold ciphertext is listed once, in ENCRYPTED_COLUMNS: the rotation walks
them. Columns are plain text holding Fernet tokens; the features encrypt before writing
and decrypt after reading (`encrypt_json`, `decrypt_json`), so nothing is ever decrypted
by a query, a log line or a general export by accident.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import select, update

from eventapp.extensions import db

KEY_FILE = "encryption.keys"

#: (path, mtime_ns, size) -> the keys read from it: read again whenever the file
#: changes, so a rotation run from the command line reaches the running servers.
_cache: dict[tuple[str, int, int], list[bytes]] = {}


class DecryptionError(RuntimeError):
    """A value no key of the key file opens (a lost or wrong key file)."""


def key_path() -> Path:
    return Path(current_app.instance_path) / KEY_FILE


def _create_key_file(path: Path) -> None:
    """A first key, written whole under a temporary name then linked into place: a
    process starting at the same time never reads a half-written file, and the first
    link wins (another process's key is used, not overwritten)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(Fernet.generate_key() + b"\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        os.unlink(tmp)


def keys() -> list[bytes]:
    """The keys, newest first; the file is created with a first key when missing."""
    path = key_path()
    if not path.exists():
        _create_key_file(path)
    stat = path.stat()
    cached = _cache.get((str(path), stat.st_mtime_ns, stat.st_size))
    if cached is not None:
        return cached
    found = [line.strip() for line in path.read_bytes().splitlines() if line.strip()]
    if not found:
        raise DecryptionError(f"{path} holds no key")
    _cache.clear()
    _cache[(str(path), stat.st_mtime_ns, stat.st_size)] = found
    return found


def _fernet(only_newest: bool = False) -> MultiFernet:
    found = keys()
    return MultiFernet([Fernet(k) for k in (found[:1] if only_newest else found)])


def encrypt(text: str) -> str:
    """The text as a Fernet token (ASCII), under the newest key."""
    return _fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The text of a token made by `encrypt` under any key of the key file."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise DecryptionError("no key of the key file opens this value") from exc


def encrypt_json(value: dict[str, Any]) -> str:
    return encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True))


def decrypt_json(token: str | None) -> dict[str, Any]:
    """The dictionary a token holds; {} for none (never stored, or erased)."""
    return json.loads(decrypt(token)) if token else {}


def encrypted_columns() -> list:
    """Every column that holds ciphertext: the rotation re-encrypts them all."""
    from eventapp.models import ExpenseClaim, VisaLetter

    return [VisaLetter.passport, ExpenseClaim.bank_details]


def _write_keys(path: Path, new_keys: list[bytes]) -> None:
    """Replace the key file atomically, 0600 like the first one."""
    tmp = path.with_name(f".{path.name}.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(b"".join(k + b"\n" for k in new_keys))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _reencrypt_all(fernet: MultiFernet, *, only_stale: bool) -> int:
    """Re-encrypt every value under the newest key (only those it does not open yet
    when only_stale); returns how many were rewritten. No commit."""
    newest = Fernet(keys()[0])
    count = 0
    for column in encrypted_columns():
        table = column.class_
        rows = db.session.execute(select(table.id, column).where(column.is_not(None))).all()
        for row_id, token in rows:
            if only_stale:
                try:
                    newest.decrypt(token.encode("ascii"))
                    continue
                except InvalidToken:
                    pass
            db.session.execute(
                update(table)
                .where(table.id == row_id, column == token)
                .values({column.key: fernet.rotate(token.encode("ascii")).decode("ascii")})
                .execution_options(synchronize_session=False)
            )
            count += 1
    return count


def rotate() -> int:
    """Add a new key, re-encrypt every encrypted value with it, then retire the older keys.
    Commits; returns how many values were re-encrypted.

    The new key goes first into the file before any value is rewritten, so running
    servers (which re-read the file when it changes) read and write with it at once. The
    older keys are dropped only after a second pass finds every value readable with the
    new key alone: a value written by a server in between is caught by that pass.
    """
    path = key_path()
    old = keys()
    _write_keys(path, [Fernet.generate_key(), *old])
    fernet = _fernet()
    count = _reencrypt_all(fernet, only_stale=False)
    db.session.commit()
    count += _reencrypt_all(fernet, only_stale=True)
    db.session.commit()
    _write_keys(path, keys()[:1])
    return count
