"""ZIP archives of any of the other formats (TIDAS packages are ZIP files), within limits.

Refused before anything is extracted: more than ``Settings.zip_max_entries`` entries, a declared
uncompressed total above ``Settings.zip_max_uncompressed_bytes`` or an entry declared above
``Settings.zip_max_entry_bytes``, absolute paths, ``..`` segments, nested archives. Extraction is in
memory, in chunks, and stops at the declared size and at both limits (a lying header cannot expand
further). Members find each other by relative path (ILCD's ``../flows/<uuid>.xml``).
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable
from io import BytesIO
from zlib import error as zlib_error

from registry.ingest.base import Accumulator, Context, IngestError, Input, InputTooLarge, over_limit

CHUNK = 1024 * 1024
SKIP = (".md", ".txt", ".png", ".pdf", ".tsv", ".xsl", ".xsd", ".css")


def _members(inp: Input, ctx: Context) -> list[Input]:
    s = ctx.settings
    try:
        zf = zipfile.ZipFile(BytesIO(inp.data))
    except zipfile.BadZipFile as e:
        raise IngestError(f"not a ZIP archive ({e})", file=inp.name) from None
    infos = zf.infolist()
    if len(infos) > s.zip_max_entries:
        raise IngestError(
            f"{len(infos)} entries, more than the limit of {s.zip_max_entries} (setting zip_max_entries)",
            file=inp.name,
        )
    total = sum(i.file_size for i in infos)
    if total > s.zip_max_uncompressed_bytes:
        raise InputTooLarge(
            over_limit(
                "zip_max_uncompressed_bytes", s.zip_max_uncompressed_bytes, "the archive decompressed", total
            ),
            file=inp.name,
        )
    for i in infos:
        name = i.filename
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or "\\" in name:
            raise IngestError("absolute path in the archive", file=inp.name, where=f"entry {name!r}")
        if ".." in name.split("/"):
            raise IngestError("'..' in a path in the archive", file=inp.name, where=f"entry {name!r}")
    contents: dict[str, bytes] = {}
    extracted = 0
    for i in infos:
        if i.is_dir() or posixpath.basename(i.filename).startswith(".") or i.filename.startswith("__MACOSX/"):
            continue
        if i.filename.lower().endswith(".zip"):
            raise IngestError(
                "nested archives are not accepted", file=inp.name, where=f"entry {i.filename!r}"
            )
        contents[i.filename] = _extract(zf, i, inp.name, ctx, total=extracted)
        extracted += len(contents[i.filename])

    def resolver(member: str) -> Callable[[str], tuple[str, bytes] | None]:
        def resolve(rel: str) -> tuple[str, bytes] | None:
            if not rel or "://" in rel or rel.startswith("/"):
                return None
            target = posixpath.normpath(posixpath.join(posixpath.dirname(member), rel))
            if target in contents:
                return f"{inp.name}!{target}", contents[target]
            return None

        return resolve

    return [
        Input(f"{inp.name}!{name}", data, resolver(name), in_archive=True)
        for name, data in sorted(contents.items())
        if not name.lower().endswith(SKIP) and posixpath.basename(name) not in {"LICENSE"}
    ]


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: str, ctx: Context, total: int) -> bytes:
    """One entry, read in chunks: refused as soon as it passes its declared size, the entry limit or
    (with the ``total`` read before it) the archive's limit, never decompressed whole first."""
    s, where = ctx.settings, f"entry {info.filename!r}"
    if info.file_size > s.zip_max_entry_bytes:
        raise InputTooLarge(
            over_limit(
                "zip_max_entry_bytes", s.zip_max_entry_bytes, "the entry decompressed", info.file_size
            ),
            file=archive,
            where=where,
        )
    if info.flag_bits & 0x1:
        raise IngestError("the entry is encrypted; send it without a password", file=archive, where=where)
    chunks: list[bytes] = []
    size = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(CHUNK):
                size += len(chunk)
                if size > info.file_size:
                    raise IngestError("the entry is larger than its header says", file=archive, where=where)
                if size > s.zip_max_entry_bytes or total + size > s.zip_max_uncompressed_bytes:
                    setting = (
                        "zip_max_entry_bytes"
                        if size > s.zip_max_entry_bytes
                        else "zip_max_uncompressed_bytes"
                    )
                    raise InputTooLarge(
                        over_limit(setting, getattr(s, setting), "the entry decompressed"),
                        file=archive,
                        where=where,
                    )
                chunks.append(chunk)
    except (
        zipfile.BadZipFile,
        OSError,
        NotImplementedError,
        EOFError,
        zlib_error,
        RuntimeError,
        ValueError,
    ) as e:
        raise IngestError(f"cannot read the entry ({e})", file=archive, where=where) from None
    return b"".join(chunks)


def import_zip(
    inputs: list[Input],
    ctx: Context,
    acc: Accumulator,
    *,
    reader: Callable[[list[Input]], None],
) -> None:
    """Unpack each archive and hand its members to ``reader`` (which reads each by its format)."""
    for inp in inputs:
        if inp.in_archive:  # a member that is an archive, whatever its name
            raise IngestError("nested archives are not accepted", file=inp.name)
        members = _members(inp, ctx)
        if not members:
            raise IngestError("the archive holds no file to import", file=inp.name)
        reader(members)
