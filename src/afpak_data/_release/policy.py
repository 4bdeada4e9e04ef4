"""Check that a new version follows the README's data versioning policy: MAJOR breaks (a table,
field, category or released ID gone, a type or primary key changed), MINOR adds (withdrawing an ID
included), PATCH corrects (values, other schema properties, link rows); a larger bump is fine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from afpak_data._errors import Problem
from afpak_data._model.descriptor import SEMVER, Package
from afpak_data._model.resources import Source
from afpak_data._release.diff import Table, TableDiff, diff_packages, open_package, read_table
from afpak_data._release.render import describe_schema_change

WITHDRAWN = "withdrawn"
LEVELS = ("none", "PATCH", "MINOR", "MAJOR")
NONE, PATCH, MINOR, MAJOR = range(4)
_SHOWN_REASONS = 4
#: The bump each kind of schema change needs (any other kind: PATCH).
_SCHEMA_LEVELS = dict.fromkeys(
    ("field_removed", "field_retyped", "enum_removed", "primary_key_changed"), MAJOR
) | dict.fromkeys(("field_added", "enum_added"), MINOR)
#: Why a change needs (at least) a level: e.g. (MINOR, "2 records added to 'risks'").
Reason = tuple[int, str]

#: The rules release-check enforces, by the name a :class:`Problem` carries.
RULES = {
    "version-format": "both versions are MAJOR.MINOR.PATCH",
    "version-backwards": "NEW's version is not lower than OLD's",
    "version-bump": "the version is bumped as far as the changes need",
    "id-disappeared": "a released ID leaves its table only by being withdrawn",
    "id-unwithdrawn": "a withdrawn ID stays listed in withdrawn",
    "withdrawn-id": "no record uses a withdrawn ID (the validator's check)",
    "withdrawn-version": "a newly withdrawn ID names this release in withdrawn_in",
    "changelog": "CHANGELOG.md's top entry is NEW's version (the validator's rule)",
}


def parse_version(version: str) -> tuple[int, ...] | None:
    """``"1.2.3"`` -> ``(1, 2, 3)``; anything but MAJOR.MINOR.PATCH -> None."""
    match = SEMVER.fullmatch(version)
    return tuple(map(int, match.groups())) if match else None


def check_release(old_source: Source, new_source: Source) -> ReleaseReport:
    """Run every rule on OLD and NEW; unreadable input: DiffInputError."""
    return ReleaseReport(open_package(old_source), open_package(new_source))


class ReleaseReport:
    """NEW checked against OLD by the constructor: ``checked`` (what holds) and ``problems``;
    released and withdrawn IDs are {ID: editor line}."""

    def __init__(self, old: Package, new: Package) -> None:
        self.old, self.new = old, new
        self.old_version, self.new_version = old.version, new.version
        self.checked: list[str] = []
        self.problems: list[Problem] = []
        self.old_ids, self.new_ids = _released_ids(old), _released_ids(new)
        self.old_withdrawn, self.new_withdrawn = _ids(old, WITHDRAWN), _ids(new, WITHDRAWN)
        for rule in (self.versions, self.disappeared, self.withdrawn, self.changelog):
            before = len(self.problems)
            holds = rule()  # what was checked, said when the rule found no problem
            if holds and len(self.problems) == before:
                self.checked.append(holds)

    def fail(
        self,
        rule: str,
        file: object,
        message: str,
        line: int | None = None,
        column: str | None = None,
        record_id: str | None = None,
    ) -> None:
        self.problems.append(Problem(str(file), line, record_id, column, rule, message))

    def versions(self) -> str | None:
        old_version, new_version = self.old_version, self.new_version
        old_v, new_v = parse_version(old_version), parse_version(new_version)
        for package, parsed in ((self.old, old_v), (self.new, new_v)):
            if parsed is None:
                self.fail(
                    "version-format",
                    package.descriptor_file,
                    f"version {package.version!r} is not a version "
                    "(expected MAJOR.MINOR.PATCH, e.g. 1.2.0)",
                )
        if old_v is None or new_v is None:
            return None
        if new_v < old_v:
            self.fail(
                "version-backwards",
                self.new.descriptor_file,
                f"version goes backwards from {old_version} to {new_version} "
                f"(expected at least {old_version})",
            )
            return None
        self.checked.append(
            f"versions {old_version} -> {new_version} are MAJOR.MINOR.PATCH and do not go backwards"
        )
        found = list(self.reasons())
        needed = max((level for level, _ in found), default=NONE)
        steps = zip((MAJOR, MINOR, PATCH), old_v, new_v, strict=True)
        bump = next((level for level, a, b in steps if a != b), NONE)  # the first part that moved
        texts = [text for level, text in found if level == needed]
        why = "; ".join(texts[:_SHOWN_REASONS])
        if len(texts) > _SHOWN_REASONS:
            why += f"; and {len(texts) - _SHOWN_REASONS} more"
        if bump < needed:
            self.fail(
                "version-bump",
                self.new.descriptor_file,
                f"version {new_version} is "
                + (f"a {LEVELS[bump]} bump" if bump else "not bumped")
                + f" from {old_version}, but the changes need a {LEVELS[needed]} bump ({why})",
            )
        if needed:
            return (
                f"the changes need a {LEVELS[needed]} bump ({why}); "
                f"the version has a {LEVELS[bump]} bump"
            )
        return "no differences in data or schemas, so no bump is needed"

    def reasons(self) -> Iterator[Reason]:
        links = self.new.link_parents()  # by the README's policy, a link row is a PATCH
        for table in diff_packages(self.old, self.new).tables:
            q = repr(table.name)
            if table.status in ("added", "removed"):
                yield (MINOR if table.status == "added" else MAJOR), f"table {q} {table.status}"
                continue
            for change in table.schema_changes:
                yield (
                    _SCHEMA_LEVELS.get(change.kind, PATCH),
                    f"{q}: {describe_schema_change(change)}",
                )
            if table.name in links:
                yield from self.link_reasons(table, *links[table.name])
                continue
            if table.added:
                yield MINOR, f"{_count(len(table.added), 'record')} added to {q}"
            if table.changed:
                yield PATCH, f"{_count(len(table.changed), 'record')} changed in {q}"
            yield from self.removal_reasons(table)

    def link_reasons(self, table: TableDiff, parent_field: str, parent: str) -> Iterator[Reason]:
        """Link rows are values of their parent: PATCH, unless they come with a new one (MINOR)."""
        q = repr(table.name)
        released = self.old_ids.get(parent, {})
        with_new = [r for r in table.added if r.values.get(parent_field) not in released]
        corrected = {
            r.values.get(parent_field)
            for r in (*table.added, *table.removed)
            if r.values.get(parent_field) in released
        } | {c.key[0] for c in table.changed}
        if with_new:
            yield MINOR, f"{_count(len(with_new), 'record')} added to {q} with new records"
        if corrected:
            yield PATCH, f"links of {_count(len(corrected), 'record')} corrected in {q}"

    def removal_reasons(self, table: TableDiff) -> Iterator[Reason]:
        q, removed = repr(table.name), len(table.removed)
        if not removed:
            return
        if table.name == WITHDRAWN:
            yield MAJOR, f"{_count(removed, 'record')} removed from {q} (un-withdrawn)"
        elif table.name not in self.old_ids or len(table.key_fields) != 1:
            yield PATCH, f"{_count(removed, 'record')} removed from {q}"
        else:
            gone = sum(r.key[0] not in self.new_withdrawn for r in table.removed)
            if gone:
                yield MAJOR, f"{_count(gone, 'ID')} removed from {q} without being withdrawn"
            if removed - gone:
                yield MINOR, f"{_count(removed - gone, 'ID')} withdrawn from {q}"

    def disappeared(self) -> str:
        old = self.old
        listed = old.resource(WITHDRAWN).path if WITHDRAWN in old.names else "the 'withdrawn' table"
        for name, ids in self.old_ids.items():
            resource = old.resource(name)
            remaining = self.new_ids.get(name, {})
            gone = "it is no longer in NEW" if name in self.new_ids else "its table was removed"
            for record_id, row in ids.items():
                if record_id not in remaining and record_id not in self.new_withdrawn:
                    self.fail(
                        "id-disappeared",
                        resource.file,
                        f"released ID {record_id!r} disappeared "
                        f"({gone}; expected the record, or the ID listed in {listed})",
                        row,
                        resource.schema.primary_key[0],
                        record_id,
                    )
        count = sum(len(ids) for ids in self.old_ids.values())
        return f"no released ID disappeared without being withdrawn ({count} IDs)"

    def withdrawn(self) -> str:
        """Also the validator's ``withdrawn-id`` check on NEW."""
        from afpak_data._validate import validate_package

        new, old_withdrawn, new_withdrawn = self.new, self.old_withdrawn, self.new_withdrawn
        in_new = WITHDRAWN in new.names
        file = new.resource(WITHDRAWN).file if in_new else new.root / "data" / "withdrawn.csv"
        for record_id in (i for i in old_withdrawn if i not in new_withdrawn):
            self.fail(
                "id-unwithdrawn",
                file,
                f"ID {record_id!r} was withdrawn in {self.old_version} and is "
                "no longer listed (expected it to stay: withdrawn IDs remain reserved)",
            )
        self.problems += [
            replace(p, file=str(new.root / p.file))
            for p in validate_package(new.descriptor_file).problems
            if p.check == "withdrawn-id"
        ]
        table = read_table(new.resource(WITHDRAWN)) if in_new else Table((), {}, {})
        for key, row in table.lines.items():
            version = table.rows[key].get("withdrawn_in")
            if key[0] not in old_withdrawn and version not in (None, self.new_version):
                self.fail(
                    "withdrawn-version",
                    file,
                    f"{version!r} for newly withdrawn {key[0]!r} "
                    f"(expected this release, {self.new_version})",
                    row,
                    "withdrawn_in",
                    key[0],
                )
        return f"withdrawn IDs stay listed and no record uses one ({len(new_withdrawn)} withdrawn)"

    def changelog(self) -> str | None:
        """CHANGELOG.md beside NEW's descriptor, else in its parent (a package in a checkout)."""
        from afpak_data._validate.changelog import check_changelog

        root, version = self.new.root, self.new_version
        folder = next((d for d in (root, root.parent) if (d / "CHANGELOG.md").is_file()), None)
        if folder is None:
            self.fail(
                "changelog",
                root / "CHANGELOG.md",
                "no CHANGELOG.md in NEW or its parent "
                f"(expected one with a '## [{version}]' entry)",
            )
            return None
        file = folder / "CHANGELOG.md"
        self.problems += [replace(p, file=str(file)) for p in check_changelog(folder, version)]
        return f"{file} has the entry for {version} on top"


def _ids(package: Package, name: str) -> dict[str, int]:
    """The first key field of each record of table ``name`` -> its editor line."""
    if name not in package.names:
        return {}
    return {key[0]: row for key, row in read_table(package.resource(name)).lines.items()}


def _released_ids(package: Package) -> dict[str, dict[str, int]]:
    """Tables keyed by one ID field (not ``withdrawn``): table -> {ID: editor line}."""
    return {
        r.name: _ids(package, r.name)
        for r in package.resources
        if r.name != WITHDRAWN and len(r.schema.primary_key) == 1
    }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"
