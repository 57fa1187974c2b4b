"""The server-side SVG charts: bars proportional to the data, stacks in order, an honest "No
data", text escaped, and well-formed SVG a browser will draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from editai.charts import Series, dollars, ranked_bars, stacked_columns

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse_svg(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314  # our own server's markup, in a test


def _bars(svg: str) -> list[ET.Element]:
    return parse_svg(svg).findall(".//svg:rect[@class='bar']", NS)


def test_columns_are_proportional_to_the_values_and_stacked_in_order() -> None:
    svg = stacked_columns(
        title="Costs",
        labels=["d1", "d2", "d3"],
        series=[Series("ElevenLabs", [1.0, 0.0, 3.0], "#0072b2"), Series("Gemini", [1.0, 2.0, 1.0], "#e69f00")],
    )
    bars = _bars(svg)
    height = {(b.get("data-label"), b.get("data-series")): float(b.get("height", "0")) for b in bars}
    assert len(bars) == 5  # zero values draw nothing
    unit = height[("d1", "ElevenLabs")]
    assert unit > 0
    assert height[("d2", "Gemini")] == pytest.approx(2 * unit, abs=0.02)
    assert height[("d3", "ElevenLabs")] == pytest.approx(3 * unit, abs=0.02)
    # The tallest stack (d3: 4) fills the plot; each layer sits on the one below it.
    d3 = {b.get("data-series"): b for b in bars if b.get("data-label") == "d3"}
    lower, upper = d3["ElevenLabs"], d3["Gemini"]
    assert float(upper.get("y", "0")) + float(upper.get("height", "0")) == pytest.approx(float(lower.get("y", "0")))
    assert lower.get("fill") == "#0072b2" and upper.get("fill") == "#e69f00"
    assert parse_svg(svg).get("data-empty") == "false"


def test_ranked_bars_are_proportional_and_keep_the_order_given() -> None:
    svg = ranked_bars(title="Top clips", items=[("Launch · v1", 2000), ("Launch · v2", 500), ("Launch · v3", 0)])
    bars = _bars(svg)
    assert [b.get("data-label") for b in bars] == ["Launch · v1", "Launch · v2"]
    assert float(bars[0].get("width", "0")) == pytest.approx(4 * float(bars[1].get("width", "0")), abs=0.02)
    assert "2,000" in svg and "500" in svg


@pytest.mark.parametrize(
    "chart",
    [
        lambda: stacked_columns(title="Costs", labels=["d1", "d2"], series=[Series("Gemini", [0, 0], "#000")]),
        lambda: stacked_columns(title="Costs", labels=["d1", "d2"], series=[]),
        lambda: ranked_bars(title="Top clips", items=[]),
    ],
)
def test_a_chart_without_data_says_so(chart: object) -> None:
    svg = chart()  # type: ignore[operator]
    root = parse_svg(svg)
    assert root.get("data-empty") == "true" and not _bars(svg)
    assert "No data" in svg


def test_text_is_escaped_and_bad_input_refused() -> None:
    svg = ranked_bars(title="<b>", items=[('<script>alert("x")</script>', 1.0)], fmt=dollars)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    parse_svg(svg)  # still well-formed
    with pytest.raises(ValueError, match="values for"):
        stacked_columns(title="x", labels=["a", "b"], series=[Series("s", [1.0], "#000")])
    with pytest.raises(ValueError, match="negative"):
        stacked_columns(title="x", labels=["a"], series=[Series("s", [-1.0], "#000")])
    assert dollars(1234.5) == "$1,234.50" and dollars(0.004) == "$0.0040"
