"""The static site: pages, escaping and JSON-LD offline; then headless Chromium from file://."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from _packages import TABLES, field, write_package
from click.testing import CliRunner

import afpak_data
from afpak_data._model.descriptor import read_package
from afpak_data._publish.site.build import build_site
from afpak_data.cli import cli

PACKAGE = read_package()
NAMES = PACKAGE.names
CHROMIUM = Path(os.environ.get("AFPAK_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("AFPAK_CHROMEDRIVER", "/usr/bin/chromedriver"))
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
#: The browser tests need Debian's chromium and chromium-driver (installed by `.ci/run` as root).
browser_test = pytest.mark.skipif(
    not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
    reason=f"browser test needs Debian chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}); "
    "`.ci/run` installs them when run as root",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled package's site, built once."""
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(out)
    return out


def embedded(page: Path, element_id: str) -> object:
    """The JSON embedded in ``page`` under ``<script ... id=element_id>``."""
    text = page.read_text(encoding="utf-8")
    match = re.search(rf'<script type="[^"]+" id="{element_id}">(.*?)</script>', text, re.S)
    assert match, f"no #{element_id} in {page}"
    return json.loads(match[1])


def test_files(site: Path) -> None:
    """Index, codebook, a page per table, assets and the package files for download."""
    expected = {"index.html", "codebook.html", "datapackage.json", "assets/site.css"}
    expected |= {"assets/site.js", *(f"tables/{n}.html" for n in NAMES)}
    expected |= {r.path for r in PACKAGE.resources}
    present = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert expected - present == set()


def test_no_remote_resources(site: Path) -> None:
    """No page loads anything from the network (no src/href to http(s) for scripts or styles)."""
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?:', text), page


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_table_page_embeds_every_row(site: Path, name: str) -> None:
    """Each table page embeds the table's rows and fields as JSON."""
    data = embedded(site / "tables" / f"{name}.html", "table-data")
    assert len(data["rows"]) == len(afpak_data.load(name))
    assert [f["name"] for f in data["fields"]] == list(PACKAGE.resource(name).schema.field_names)


def test_overview_lists_row_counts(site: Path) -> None:
    """The overview shows each table with its row count."""
    text = (site / "index.html").read_text(encoding="utf-8")
    counts = dict(re.findall(r'<tr data-table="([^"]+)">.*?data-rows="(\d+)"', text, re.S))
    assert counts == {n: str(len(afpak_data.load(n))) for n in NAMES}


def test_overview_embeds_json_ld(site: Path) -> None:
    """index.html carries the schema.org Dataset JSON-LD with the descriptor's version."""
    text = (site / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<script type="application/ld\+json">\n(.*?)\n</script>', text, re.S)
    assert match
    data = json.loads(match[1])
    assert (data["@type"], data["version"]) == ("Dataset", PACKAGE.version)
    assert all((site / d["contentUrl"]).is_file() for d in data["distribution"])


def test_relation_figures(site: Path) -> None:
    """The overview has both SVG figures, with a mark per agreement link and per risk link."""
    text = (site / "index.html").read_text(encoding="utf-8")
    agreements = re.search(r'<figure id="figure-agreements">(.*?)</figure>', text, re.S)
    risks = re.search(r'<figure id="figure-risks">(.*?)</figure>', text, re.S)
    assert agreements and risks
    assert agreements[1].count('<line class="link"') == len(afpak_data.load("agreement_actors"))
    positions = afpak_data.load("risk_actors")["position"].dropna()
    assert all(p in risks[1] for p in positions)


def test_a_figure_draws_the_link_table_to_actors_among_others() -> None:
    """A records table may have several link tables (tags, say): the figure draws the one that
    links actors in roles, whichever the descriptor lists first."""
    import pandas as pd

    from afpak_data._publish.site.relations import figures

    frames = {
        "actors": pd.DataFrame({"actor_id": ["act-a"], "name": ["A"]}),
        "agreements": pd.DataFrame({"agreement_id": ["agr-x"], "name": ["X"]}),
        "agreement_tags": pd.DataFrame({"agreement_id": ["agr-x"], "tag": ["trade"]}),
        "agreement_actors": pd.DataFrame(
            {"agreement_id": ["agr-x"], "actor_id": ["act-a"], "role": ["party"]}
        ),
    }
    parents = {
        name: ("agreement_id", "agreements") for name in ("agreement_tags", "agreement_actors")
    }
    [figure] = figures(frames, parents)
    assert figure["id"] == "figure-agreements" and figure["svg"].count('<line class="link"') == 1


def test_site_is_deterministic(site: Path, tmp_path: Path) -> None:
    """Building twice gives byte-identical pages (the layout depends on the data only)."""
    build_site(tmp_path / "again")
    for page in ["index.html", "codebook.html", "tables/agreements.html"]:
        assert (site / page).read_bytes() == (tmp_path / "again" / page).read_bytes(), page


def test_text_is_escaped(tmp_path: Path) -> None:
    """Markup in descriptions and cells is shown as text, never parsed as HTML."""
    evil = '</script><img src=x onerror="alert(1)">'
    schema = {
        "fields": [field("id", required=True), field("note", maxLength=100)],
        "primaryKey": ["id"],
        "missingValues": [""],
    }
    quoted = '"' + evil.replace('"', '""') + '"'
    root = write_package(
        tmp_path / "pkg",
        {"notes": (schema, f"id,note\nn1,{quoted}\n")},
        description=f"A package about <b>{evil}</b> & more.",
    )
    build_site(tmp_path / "site", root)
    for page in ["index.html", "tables/notes.html"]:
        text = (tmp_path / "site" / page).read_text(encoding="utf-8")
        assert "<img" not in text and "<b>" not in text, page
    data = embedded(tmp_path / "site" / "tables" / "notes.html", "table-data")
    assert data["rows"] == [["n1", evil]]


def test_site_command(tmp_path: Path) -> None:
    """``afpak-data site OUT`` writes the site and says where to open it."""
    result = CliRunner().invoke(cli, ["site", str(tmp_path / "out")], prog_name="afpak-data")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(f"open {tmp_path / 'out' / 'index.html'}\n")


def test_site_command_bad_source(tmp_path: Path) -> None:
    """An unreadable --source is one line on stderr, exit 2, and no OUT."""
    result = CliRunner().invoke(
        cli, ["site", "--source", str(tmp_path / "nope"), str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert not (tmp_path / "out").exists()


def test_small_package_without_relations(tmp_path: Path) -> None:
    """A package without the relation tables still builds (no figures, every table page)."""
    root = write_package(tmp_path / "pkg", {"agreements": TABLES["agreements"]})
    written = build_site(tmp_path / "site", root)
    assert tmp_path / "site" / "tables" / "agreements.html" in written
    assert "<figure" not in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


# --- In a real browser -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by selenium with the system chromedriver (no downloads)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="browser test needs selenium")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="afpak-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,1100",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(browser, path: Path) -> list[dict]:
    """Open ``path`` from disk, wait for the script to finish, return the console log."""
    browser.get(path.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.execute_script("return document.body.dataset.ready") == "1", path
    return browser.get_log("browser")


def problems(log: list[dict]) -> list[str]:
    """Console entries at warning level or worse (errors, uncaught exceptions, failed loads)."""
    return [entry["message"] for entry in log if entry["level"] in ("SEVERE", "WARNING")]


@browser_test
def test_index_in_chromium(browser, site: Path) -> None:
    """index.html opens from file:// without console errors, shows both SVGs; screenshot kept."""
    log = open_page(browser, site / "index.html")
    assert problems(log) == []
    svgs = browser.execute_script("return document.querySelectorAll('figure svg').length")
    assert svgs == 2
    ARTIFACTS.mkdir(exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, min(int(height) + 100, 6000))
    assert browser.save_screenshot(str(ARTIFACTS / "site.png"))
    browser.set_window_size(1400, 1100)


@browser_test
@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_every_table_renders(browser, site: Path, name: str) -> None:
    """Each table page draws all its rows, and the row counter agrees, with no console errors."""
    log = open_page(browser, site / "tables" / f"{name}.html")
    rows = browser.execute_script("return document.querySelectorAll('#records tbody tr').length")
    shown = browser.execute_script("return document.getElementById('row-count').dataset.shown")
    expected = len(afpak_data.load(name))
    assert (rows, int(shown)) == (expected, expected)
    assert problems(log) == []


def visible_rows(browser) -> list[str]:
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('#records tbody tr'))"
        ".filter(r => !r.hidden).map(r => r.id)"
    )


@browser_test
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("railway", ["row-agr-trans-afghan-railway-feasibility-study"]),
        ("RAILWAY feasibility", ["row-agr-trans-afghan-railway-feasibility-study"]),
        ("no such text anywhere", []),
    ],
    ids=["word", "case-and-two-words", "nothing"],
)
def test_search_filters_rows(browser, site: Path, term: str, expected: list[str]) -> None:
    """Typing into the search box hides the rows that do not contain every word."""
    open_page(browser, site / "tables" / "agreements.html")
    box = browser.find_element("id", "search")
    box.send_keys(term)
    assert visible_rows(browser) == expected
    counter = browser.find_element("id", "row-count").text
    assert counter == f"Showing {len(expected)} of {len(afpak_data.load('agreements'))} rows"
    assert problems(browser.get_log("browser")) == []


@browser_test
def test_column_filter(browser, site: Path) -> None:
    """Choosing a value in a column filter shows exactly the rows with that value."""
    from selenium.webdriver.support.ui import Select

    open_page(browser, site / "tables" / "agreements.html")
    select = browser.find_element("css selector", "select[aria-label='Filter kind']")
    Select(select).select_by_value("agreement")
    frame = afpak_data.load("agreements")
    expected = [f"row-{i}" for i in frame.loc[frame["kind"] == "agreement", "agreement_id"]]
    assert visible_rows(browser) == expected
    browser.find_element("id", "reset").click()
    assert len(visible_rows(browser)) == len(frame)


@browser_test
def test_evidence_quote_with_paragraph(browser, site: Path) -> None:
    """A record shows its quote with its paragraph, then the further evidence passages."""
    open_page(browser, site / "tables" / "risks.html")
    paragraphs = browser.execute_script(
        "return Array.from(document.querySelectorAll('#row-rsk-mistrust .evidence .para'))"
        ".map(e => e.textContent)"
    )
    risks = afpak_data.load("risks").set_index("risk_id")
    evidence = afpak_data.load("evidence")
    more = evidence.loc[evidence["record_id"] == "rsk-mistrust", "paragraph"]
    expected = [risks.loc["rsk-mistrust", "paragraph"], *more]
    assert paragraphs == [f"\u00b6\u00a0{p}" for p in expected]


def test_link_columns_carry_names(site: Path) -> None:
    """A link table's page embeds the names of the records it links to, keyed by their IDs."""
    data = embedded(site / "tables" / "agreement_actors.html", "table-data")
    actors = afpak_data.load("actors").set_index("actor_id")["name"]
    used = {row[1] for row in data["rows"]}
    assert data["labels"]["actors"] == {a: actors[a] for a in used}
    assert set(data["labels"]["agreements"]) == {row[0] for row in data["rows"]}


def test_constant_columns_said_once(site: Path) -> None:
    """A column with one value in every row is hidden and its value said above the table."""
    data = embedded(site / "tables" / "agreement_actors.html", "table-data")
    hidden = {f["name"]: f["constant"] for f in data["fields"] if f["hidden"]}
    assert hidden == {"source_id": "src-review-afghanistan-developments"}
    text = (site / "tables" / "agreement_actors.html").read_text(encoding="utf-8")
    assert "In every row: <code>source_id</code> = src-review-afghanistan-developments" in text


def test_site_without_jinja2_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without jinja2 the site command exits 2 with the extra to install, not a traceback."""
    import builtins

    import afpak_data._publish.site as pages

    real_import = builtins.__import__

    def no_jinja(name: str, *args: object, **kwargs: object) -> object:
        if name == "jinja2" or name.startswith("jinja2."):
            raise ImportError("No module named 'jinja2'")
        return real_import(name, *args, **kwargs)

    pages.environment.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_jinja)
    try:
        result = CliRunner().invoke(cli, ["site", str(tmp_path / "out")])
    finally:
        monkeypatch.undo()
        pages.environment.cache_clear()
    assert result.exit_code == 2, result.output
    assert 'pip install "afpak-data[site]"' in result.stderr
    assert not (tmp_path / "out").exists()


SHOT_PAGES = [
    "index.html",
    "codebook.html",
    "tables/agreements.html",
    "tables/agreement_actors.html",
]


@browser_test
@pytest.mark.parametrize("width", [1400, 390], ids=["desktop-1400", "phone-390"])
def test_screenshots_and_no_sideways_scrolling(browser, site: Path, width: int) -> None:
    """At 1,400 and 390 px every table page fits its width (no sideways scroll); screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        for name in NAMES:
            browser.set_window_size(width, 1000)
            open_page(browser, site / "tables" / f"{name}.html")
            scroll = browser.execute_script(
                "var s = document.querySelector('.scroll');"
                "return [s.scrollWidth, s.clientWidth, document.documentElement.scrollWidth,"
                " window.innerWidth]"
            )
            assert scroll[0] <= scroll[1] and scroll[2] <= scroll[3], (name, scroll)
        for page in SHOT_PAGES:
            browser.set_window_size(width, 1000)
            open_page(browser, site / page)
            page_width = browser.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert page_width[0] <= page_width[1], (page, page_width)
            height = browser.execute_script("return document.documentElement.scrollHeight")
            browser.set_window_size(width, min(int(height) + 100, 3000))
            shot = ARTIFACTS / f"site-{width}-{page.replace('/', '-').removesuffix('.html')}.png"
            assert browser.save_screenshot(str(shot))
            browser.set_window_size(width, 1000)
    finally:
        browser.set_window_size(1400, 1100)


@browser_test
def test_rows_are_compact_at_1400(browser, site: Path) -> None:
    """On a 1,400 px window no agreements row is taller than about seven lines of text."""
    open_page(browser, site / "tables" / "agreements.html")
    heights = browser.execute_script(
        "var line = parseFloat(getComputedStyle(document.querySelector('#records td')).lineHeight);"
        "return Array.from(document.querySelectorAll('#records tbody tr'))"
        ".map(r => r.offsetHeight / line)"
    )
    assert max(heights) <= 8, heights


@browser_test
def test_link_cells_show_names_with_ids(browser, site: Path) -> None:
    """agreement_actors shows actor names as links, the ID below and in the link's title."""
    open_page(browser, site / "tables" / "agreement_actors.html")
    cell = browser.execute_script(
        "var td = document.querySelector('#records tbody tr td[data-column=actor_id]');"
        "var a = td.querySelector('a');"
        "return [a.textContent, a.title, td.querySelector('.ref-id').textContent,"
        " a.getAttribute('href')]"
    )
    first = afpak_data.load("agreement_actors")["actor_id"].iloc[0]
    name = afpak_data.load("actors").set_index("actor_id").loc[first, "name"]
    assert cell == [name, first, first, f"actors.html#row-{first}"]
    options = browser.execute_script(
        "return Array.from(document.querySelectorAll("
        "\"select[aria-label='Filter actor_id'] option\")).map(o => [o.value, o.textContent])"
    )
    assert [first, name] in options


@browser_test
def test_filter_state_is_in_the_address(browser, site: Path) -> None:
    """Filtering writes #q=...&kind=...; opening that address restores the same filtered view."""
    from selenium.webdriver.support.ui import Select

    page = site / "tables" / "agreements.html"
    open_page(browser, page)
    Select(
        browser.find_element("css selector", "select[aria-label='Filter kind']")
    ).select_by_value("agreement")
    browser.find_element("id", "search").send_keys("railway")
    shown = visible_rows(browser)
    assert shown == ["row-agr-trans-afghan-railway-feasibility-study"]
    address = browser.current_url
    assert address.startswith(page.as_uri() + "#")
    assert "q=railway" in address and "kind=agreement" in address
    browser.get("about:blank")
    open_page(browser, Path(page))  # a fresh, unfiltered load first
    assert len(visible_rows(browser)) == len(afpak_data.load("agreements"))
    browser.get(address)
    assert browser.execute_script("return document.body.dataset.ready") == "1"
    assert visible_rows(browser) == shown
    assert browser.find_element("id", "search").get_attribute("value") == "railway"
    browser.find_element("id", "reset").click()
    assert "#" not in browser.current_url
    assert problems(browser.get_log("browser")) == []


@browser_test
def test_row_anchor_still_jumps_to_the_row(browser, site: Path) -> None:
    """A link such as actors.html#row-act-pakistan shows every row and targets that one."""
    browser.get((site / "tables" / "actors.html").as_uri() + "#row-act-pakistan")
    assert browser.execute_script("return document.body.dataset.ready") == "1"
    assert len(visible_rows(browser)) == len(afpak_data.load("actors"))
    assert (
        browser.execute_script("return document.querySelector(':target').id") == "row-act-pakistan"
    )


def test_figure_text_is_escaped(tmp_path: Path) -> None:
    """Markup in an actor's name is shown as text in the relation figures (and their tooltips)."""
    root = tmp_path / "pkg"
    shutil.copytree(PACKAGE.root / "data", root / "data")
    shutil.copytree(PACKAGE.root / "schemas", root / "schemas")
    shutil.copyfile(PACKAGE.descriptor_file, root / "datapackage.json")
    actors = root / "data" / "actors.csv"
    text = actors.read_text(encoding="utf-8")
    original = '"act-pakistan","Pakistan",'
    assert original in text
    actors.write_text(text.replace(original, '"act-pakistan","<b>Pak&</b>",', 1), encoding="utf-8")
    build_site(tmp_path / "site", root)
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    figures = re.findall(r"<figure .*?</figure>", page, re.S)
    assert len(figures) == 2
    for figure in figures:
        assert "<b>" not in figure
        assert "&lt;b&gt;Pak&amp;&lt;/b&gt;" in figure
