"""SVG building blocks: escaping, scales and tick positions."""

from __future__ import annotations

import pytest

from solver.report.svg import Scale, element, log_ticks, nice_step, nice_ticks, padded_range, svg_root, text


def test_text_and_attributes_are_escaped_once():
    node = text(1.0, 2.5, '<b>&"x"', class_="a<b")
    assert str(node) == '<text x="1" y="2.5" class="a&lt;b">&lt;b&gt;&amp;&#34;x&#34;</text>'


def test_none_attributes_are_left_out_and_underscores_become_hyphens():
    assert str(element("line", {"stroke_width": 2, "stroke_dasharray": None})) == '<line stroke-width="2"/>'


def test_svg_root_is_sized_by_its_view_box_and_titled():
    root = str(svg_root(300, 200, "A & B", "chart x"))
    assert root.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 200" class="chart x" role="img"')
    assert "<title>A &amp; B</title>" in root


@pytest.mark.parametrize(("span", "count", "step"), [(1.0, 5, 0.2), (1_000_000, 5, 200_000), (7, 5, 1), (0.03, 3, 0.01)])
def test_nice_step_is_1_2_or_5_times_a_power_of_ten(span, count, step):
    assert nice_step(span, count) == pytest.approx(step)


def test_nice_ticks_lie_within_the_range():
    assert nice_ticks(-0.05, 1.1) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(5, 5) == [5]


def test_log_ticks_are_powers_of_ten_when_there_are_several_else_1_2_5():
    assert log_ticks(50, 200_000) == [100.0, 1000.0, 10_000.0, 100_000.0]
    assert log_ticks(150_000, 1_000_000) == [200_000.0, 500_000.0, 1_000_000.0]


def test_scale_maps_ends_to_pixels_and_reverses_for_y():
    y = Scale(0.0, 1.0, 300, 40)
    assert (y(0.0), y(1.0), y(0.5)) == (300, 40, 170)
    x = Scale(10.0, 1000.0, 0, 200, log=True)
    assert x(100.0) == pytest.approx(100)
    assert Scale(3.0, 3.0, 0, 10)(3.0) == 5  # a single value sits in the middle


def test_padded_range_widens_and_survives_no_values():
    assert padded_range([0.0, 10.0], share=0.1) == (-1.0, 11.0)
    assert padded_range([]) == (0.0, 1.0)
    low, high = padded_range([100.0, 10_000.0], log=True, share=0.5)
    assert (low, high) == pytest.approx((10.0, 100_000.0))
