"""schema.org Dataset JSON-LD: generated from the descriptor, complete, and safe to embed."""

from __future__ import annotations

import json

import pytest

import afpak_data
from afpak_data._publish.jsonld import dataset_jsonld, safe_json

DESCRIPTOR = afpak_data.metadata()
REQUIRED = ["@context", "@type", "name", "description", "version", "license", "keywords"]


@pytest.fixture(scope="module")
def dataset() -> dict:
    """The JSON-LD of the bundled package, through a JSON round trip (as a crawler reads it)."""
    return json.loads(json.dumps(dataset_jsonld(DESCRIPTOR)))


def test_required_keys(dataset: dict) -> None:
    """Context, type, name, description, version, licence, keywords, creator are all present."""
    assert [k for k in [*REQUIRED, "creator", "distribution"] if not dataset.get(k)] == []
    assert (dataset["@context"], dataset["@type"]) == ("https://schema.org/", "Dataset")
    assert 50 <= len(dataset["description"]) <= 5000  # Google's Dataset guideline


def test_version_and_properties_equal_the_descriptor(dataset: dict) -> None:
    """Version, title, description, keywords and homepage are the descriptor's, unchanged."""
    assert dataset["version"] == DESCRIPTOR["version"] == afpak_data.metadata()["version"]
    assert dataset["name"] == DESCRIPTOR["title"]
    assert dataset["description"] == DESCRIPTOR["description"]
    assert dataset["keywords"] == DESCRIPTOR["keywords"]
    assert dataset["url"] == DESCRIPTOR["homepage"]
    assert dataset["license"] == DESCRIPTOR["licenses"][0]["path"]


def test_one_distribution_per_csv(dataset: dict) -> None:
    """Every resource is a DataDownload of its CSV, with media type and size."""
    resources = DESCRIPTOR["resources"]
    assert [d["contentUrl"] for d in dataset["distribution"]] == [r["path"] for r in resources]
    assert {d["@type"] for d in dataset["distribution"]} == {"DataDownload"}
    assert {d["encodingFormat"] for d in dataset["distribution"]} == {"text/csv"}
    assert [d["contentSize"] for d in dataset["distribution"]] == [
        f"{r['bytes']} B" for r in resources
    ]


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://example.org/pkg", "https://example.org/pkg/data/sources.csv"),
        ("https://example.org/pkg/", "https://example.org/pkg/data/sources.csv"),
    ],
    ids=["no-trailing-slash", "trailing-slash"],
)
def test_base_url_makes_urls_absolute(base: str, expected: str) -> None:
    """With a base URL, contentUrl is absolute whether or not the base ends with a slash."""
    assert dataset_jsonld(DESCRIPTOR, base)["distribution"][0]["contentUrl"] == expected


@pytest.mark.parametrize(
    ("contributor", "expected"),
    [
        ({"title": "Team", "roles": ["creator"]}, {"@type": "Organization", "name": "Team"}),
        (
            {"title": "Ada L", "givenName": "Ada", "familyName": "L", "roles": ["creator"]},
            {"@type": "Person", "name": "Ada L", "givenName": "Ada", "familyName": "L"},
        ),
    ],
    ids=["organization", "person"],
)
def test_creators(contributor: dict, expected: dict) -> None:
    """A contributor with given/family names is a Person; one with only a title an Organization."""
    assert dataset_jsonld({"name": "x", "contributors": [contributor]})["creator"] == [expected]


def test_script_json_cannot_be_closed_by_text() -> None:
    """Text containing ``</script>`` is escaped for a script element and reads back unchanged."""
    descriptor = {"name": "x", "description": "a </script><b>&amp; b"}
    for indent in (None, 2):
        text = safe_json(dataset_jsonld(descriptor), indent=indent)
        assert "<" not in text and ">" not in text
        assert json.loads(text)["description"] == descriptor["description"]
