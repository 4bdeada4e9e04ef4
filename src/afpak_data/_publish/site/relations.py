"""The relation figures as inline SVG, laid out in Python so the same data gives the same picture.

A bipartite diagram (actors left, records right) and a grid (records by actors). Records keep table
order; actors sit at the mean row of their records (short lines, few crossings), ties by name.
Every mark has a ``<title>``; the markup is ``templates/relations.svg``, autoescaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import pandas as pd

ROW = 24
CHAR = 6.8  # average width of a 12px sans-serif character, for sizing label columns
PAD = 12

#: Role -> (colour, dash pattern, marker); unknown roles get ``OTHER_STYLE``.
Style = tuple[str, str, str]
ROLE_STYLE: dict[str, Style] = {
    "party": ("#1f4e79", "", "circle"),
    "position_holder": ("#b3541e", "", "diamond"),
    "subject": ("#6b6b6b", "4 3", "ring"),
    "agent": ("#2e7d32", "", "triangle"),
    "attendee": ("#7b3fa0", "2 3", "circle"),
    "host": ("#00838f", "6 3", "circle"),
    "invitee": ("#ad1457", "6 3", "circle"),
    "backer": ("#827717", "2 3", "circle"),
    "speaker": ("#5d4037", "6 3", "triangle"),
    "target": ("#c62828", "4 2", "triangle"),
    "location": ("#455a64", "1 3", "square"),
    "counterpart": ("#3949ab", "4 3", "circle"),
}
OTHER_STYLE = ("#8d6e63", "1 3", "square")


class Link(NamedTuple):
    """One link between an actor and a record, in a role, with a note for the tooltip."""

    actor_id: str
    record_id: str
    role: str
    note: str = ""


class Figure(NamedTuple):
    """A figure's table, records, links and names; actors and roles in drawing order."""

    table: str
    records: list[str]
    names: dict[str, str]
    links: list[Link]
    actor_names: dict[str, str]
    actors: list[str]
    roles: list[str]

    def placed(self, on: str, note: str) -> Iterator[tuple[Link, int, int, Style, str]]:
        """Links to the figure's records in drawing order: index and count of the pair's links
        (drawn side by side), style, tooltip."""
        count = Counter((link.actor_id, link.record_id) for link in self.links)
        seen: Counter[tuple[str, str]] = Counter()
        order = sorted(
            self.links, key=lambda k: (self.roles.index(k.role), k.actor_id, k.record_id)
        )
        for link in (k for k in order if k.record_id in self.names):
            pair = (link.actor_id, link.record_id)
            actor = self.actor_names.get(link.actor_id, link.actor_id)
            record = self.names.get(link.record_id, link.record_id)
            tip = f"{actor}: {link.role.replace('_', ' ')} {on} {record}"
            tip += note.format(link.note) if link.note else ""
            yield link, seen[pair], count[pair], ROLE_STYLE.get(link.role, OTHER_STYLE), tip
            seen[pair] += 1


def legend(roles: list[str], x: float) -> tuple[list[tuple[str, str, str, str, float]], float]:
    """A one-line legend of the roles present, (label, colour, dash, marker, x) each; its width."""
    entries, cursor = [], x
    for role in roles:
        colour, dash, kind = ROLE_STYLE.get(role, OTHER_STYLE)
        label = role.replace("_", " ")
        entries.append((label, colour, dash, kind, cursor))
        cursor += 28 + len(label) * CHAR + 18
    return entries, cursor - x


def bipartite(figure: Figure) -> dict[str, Any]:
    """Actors (left) linked to records (right), one line per link, coloured by role."""
    table, records, names, _, actor_names, actors, _ = figure
    left_w = max([len(actor_names.get(a, a)) * CHAR for a in actors] + [60]) + PAD
    right_w = max([len(names.get(r, r)) * CHAR for r in records] + [60]) + PAD
    x1, x2 = left_w + 10, left_w + 10 + 260
    top = 44
    span = max(len(actors), len(records), 1) * ROW

    def ys(items: list[str]) -> dict[str, float]:
        offset = top + (span - len(items) * ROW) / 2 + ROW / 2
        return {item: offset + i * ROW for i, item in enumerate(items)}

    ya, yr = ys(actors), ys(records)
    lines = [
        (ya[k.actor_id] + n * 3, yr[k.record_id] + n * 3, colour, dash, tip)
        for k, n, _, (colour, dash, _), tip in figure.placed("of", " ({})")
    ]
    nodes = [(x1, y, actor_names.get(a, a), "actors", a, -10) for a, y in ya.items()]
    nodes += [(x2, y, names.get(r, r), table, r, 10) for r, y in yr.items()]
    size = {"width": x2 + 10 + right_w, "height": top + span + 16}
    return size | {"x1": x1, "x2": x2, "lines": lines, "nodes": nodes}


def matrix(figure: Figure) -> dict[str, Any]:
    """A grid of records (rows) by actors (columns) with one mark per link, shaped by role."""
    table, records, names, _, actor_names, actors, roles = figure
    cell = 34
    label_w = max([len(names.get(r, r)) * CHAR for r in records] + [60]) + PAD
    head_h = max([len(actor_names.get(a, a)) * CHAR for a in actors] + [40]) * 0.72 + 20
    left, top = label_w + 10, head_h + 34
    width = max(left + len(actors) * cell + 150, legend(roles, 0)[1] + 20)
    column = {a: left + j * cell + cell / 2 for j, a in enumerate(actors)}
    row = {r: top + i * cell + cell / 2 for i, r in enumerate(records)}
    marks = [
        (kind, column[k.actor_id] + (n - (count - 1) / 2) * 13, row[k.record_id], colour, tip)
        for k, n, count, (colour, _, kind), tip in figure.placed("on", ": {}")
    ]
    right, bottom = left + len(actors) * cell, top + len(records) * cell
    size = dict(width=width, height=bottom + 10, left=left, top=top, right=right, bottom=bottom)
    columns = [(x, actor_names.get(a, a), "actors", a) for a, x in column.items()]
    rows = [(y, names.get(r, r), table, r) for r, y in row.items()]
    return size | {"columns": columns, "rows": rows, "marks": marks}


#: The relation figures: records table (its link table is the one whose parent it is), how to lay
#: it out, title, caption, and the link table's column shown as each link's note.
FIGURES = [
    (
        "agreements",
        bipartite,
        "Actors and the agreements and engagement signals they take part in",
        "Who takes part in which agreement or engagement signal (line colour and dash: role; "
        "hover a line for details).",
        "",
    ),
    (
        "risks",
        matrix,
        "Actors involved in each risk, and who holds a position on it",
        "Who is involved in each risk, in which role, and who holds which position on it.",
        "position",
    ),
]


def figures(
    frames: dict[str, pd.DataFrame], parents: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    """The relation figures the package has tables for: id, caption, SVG, and the noted links;
    ``parents``: ``Package.link_parents()``."""
    import pandas as pd
    from markupsafe import Markup

    from afpak_data._publish.site import render

    people = frames.get("actors")
    if people is None or not {"actor_id", "name"} <= set(people.columns):
        return []
    actor_names = dict(zip(people["actor_id"], people["name"], strict=True))
    result: list[dict[str, Any]] = []
    for table, draw, title, caption, note in FIGURES:
        link_table = next(  # its links to actors, in roles (a table may have other link tables)
            (
                name
                for name, (_, parent) in parents.items()
                if parent == table and {"actor_id", "role"} <= set(frames.get(name, {}))
            ),
            "",
        )
        if not {table, link_table} <= set(frames) or "name" not in frames[table]:
            continue
        key = parents[link_table][0]
        records, links = frames[table], frames[link_table]
        names = dict(zip(records[key], records["name"], strict=True))
        notes = links[note] if note in links.columns else [None] * len(links)
        columns = zip(links["actor_id"], links[key], links["role"], notes, strict=True)
        link_list = [
            Link(str(a), str(r), str(role), "" if pd.isna(text) else str(text))
            for a, r, role, text in columns
        ]
        ids = list(records[key])
        row = {record: i for i, record in enumerate(ids)}
        rows_of: dict[str, list[int]] = {}  # each actor at the mean row of its records
        for link in link_list:
            if link.record_id in row:
                rows_of.setdefault(link.actor_id, []).append(row[link.record_id])
        actors = sorted(
            rows_of,
            key=lambda a: (sum(rows_of[a]) / len(rows_of[a]), (actor_names.get(a) or a).lower(), a),
        )
        rank = {role: i for i, role in enumerate(ROLE_STYLE)}  # party first, unknown last by name
        roles = sorted({k.role for k in link_list}, key=lambda r: (rank.get(r, len(rank)), r))
        layout = draw(Figure(table, ids, names, link_list, actor_names, actors, roles))
        svg = render("relations.svg", title=title, legend=legend(roles, 10)[0], layout=layout)
        positions = [
            (names.get(k.record_id, k.record_id), actor_names.get(k.actor_id, k.actor_id), k.note)
            for k in link_list
            if k.note
        ]
        figure = {"id": f"figure-{table}", "caption": caption, "positions": positions}
        result.append(figure | {"svg": Markup(svg.strip())})
    return result
