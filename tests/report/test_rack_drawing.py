"""Rack elevations: where devices sit (servers, fabric, front-end and management switches), PDU
labels, the rack's power against its limit, desk-side machines left out."""

from __future__ import annotations

from solver.report.rack_drawing import pdu_labels, rack_elevations, rack_svg

PLAN = {
    "nodes": [
        {"id": "small", "node_type": "t", "gpu": "l40s", "gpu_count": 4, "power_w": 2200, "rack": 0, "rack_units": 2, "owned": False},
        {"id": "big", "node_type": "t", "gpu": "h100", "gpu_count": 8, "power_w": 10000, "rack": 0, "rack_units": 8, "owned": True},
        {"id": "desk", "node_type": "ws", "gpu": "rtx-4090", "gpu_count": 2, "power_w": 1250, "rack": None, "rack_units": 4},
    ],
    "racks": [{"index": 0, "nodes": ["small", "big"], "switches": 1, "pdus": 2, "power_w": 12600, "rack_units_used": 13, "cooling": "air", "power_limit_w": 20000,
               "frontend_switches": 1, "management_switches": 1}],
}


def test_servers_stack_from_the_bottom_largest_first_and_switches_hang_from_the_top():
    (rack,) = rack_elevations(PLAN, 42)
    placed = {device.label: (device.lowest_u, device.height_u, device.kind) for device in rack.devices}
    assert placed == {
        "big": (1, 8, "owned server"),
        "small": (9, 2, "server"),
        "fabric switch 1": (42, 1, "switch"),  # (13 used − 10 server U) ÷ 3 switches = 1 U each
        "front-end switch": (41, 1, "switch"),
        "management switch": (40, 1, "switch"),
    }
    assert rack.used_u == 13 and rack.units == 42


def test_a_rack_is_drawn_at_least_as_tall_as_its_contents():
    (rack,) = rack_elevations(PLAN, 6)
    assert rack.units == 13


def test_pdus_in_pairs_are_a_and_b_feeds():
    assert pdu_labels(2) == ["PDU A", "PDU B"]
    assert pdu_labels(4) == ["PDU A1", "PDU B1", "PDU A2", "PDU B2"]
    assert pdu_labels(3) == ["PDU 1", "PDU 2", "PDU 3"]


def test_the_drawing_names_every_device_and_leaves_out_desk_side_machines():
    svg = str(rack_svg(rack_elevations(PLAN, 42)[0]))
    assert 'class="rack-elevation"' in svg
    for label in ("big", "small", "fabric switch 1", "front-end switch", "management switch", "PDU A", "PDU B", "Rack 1: 13 of 42 U, 12.6 of 20 kW, air-cooled"):
        assert label in svg
    assert "desk" not in svg
    assert svg.count('class="device owned-server"') == 1


def test_a_plan_without_racks_has_no_elevations():
    assert rack_elevations({"nodes": PLAN["nodes"][2:]}, 42) == []
