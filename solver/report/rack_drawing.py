"""Rack elevations as SVG, from plan.json's ``racks`` and ``nodes``.

A rack is drawn front view, U1 at the bottom as on the rails: top-of-rack switches (scale-out
fabric, then front-end, then management) from the top down, servers from the bottom up, largest
first (heavy chassis low), free units blank between.
Zero-U PDUs hang on the sides, labelled A and B by feed when they come in pairs. Desk-side
machines (``rack`` null) are not drawn; the report lists them separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from solver.report.svg import element, svg_root, text

U_PIXELS = 14
RACK_WIDTH = 250
"""Width of the mounting area; the drawing adds U numbers and PDUs on both sides."""
_TOP = 34
_SIDE = 44
_SERVER_FILL = "#dbe8f5"
_OWNED_FILL = "#e8e8e8"
_SWITCH_FILL = "#fbe3c8"
_PDU_FILL = "#f3d6d6"


@dataclass(frozen=True)
class Mounted:
    """One device in a rack: its lowest U (1-based), height in U, and what it is."""

    lowest_u: int
    height_u: int
    kind: str
    """'server', 'owned server' or 'switch'."""
    label: str
    detail: str


@dataclass(frozen=True)
class RackElevation:
    index: int
    units: int
    devices: list[Mounted]
    pdus: int
    power_w: int
    power_limit_w: int | None = None
    """The density limit the rack is held to (by its cooling)."""
    cooling: str = ""

    @property
    def used_u(self) -> int:
        return sum(device.height_u for device in self.devices)


def rack_elevations(plan: dict[str, Any], rack_units: int) -> list[RackElevation]:
    """Where each device sits in each rack of ``plan`` (racks ``rack_units`` tall)."""
    nodes = {node["id"]: node for node in plan.get("nodes", [])}
    elevations = []
    for rack in plan.get("racks", []):
        servers = sorted((nodes[name] for name in rack.get("nodes", []) if name in nodes), key=lambda node: (-node.get("rack_units", 1), node["id"]))
        server_u = sum(node.get("rack_units", 1) for node in servers)
        switch_labels = (
            [(f"fabric switch {number + 1}", "scale-out fabric") for number in range(rack.get("switches", 0))]
            + [("front-end switch", "front-end network")] * rack.get("frontend_switches", 0)
            + [("management switch", "management network")] * rack.get("management_switches", 0)
        )
        switches = len(switch_labels)
        # plan.json gives switches as counts; their height is whatever the rack's used units
        # leave once the servers are counted (1U when that does not divide evenly).
        spare = rack.get("rack_units_used", server_u) - server_u
        switch_u = spare // switches if switches and spare > 0 and spare % switches == 0 else 1
        units = max(rack_units, server_u + switches * switch_u)
        devices = []
        lowest = 1
        for node in servers:
            height = node.get("rack_units", 1)
            kind = "owned server" if node.get("owned") else "server"
            detail = f"{node.get('gpu_count', 0)}× {node.get('gpu', '')} · {node.get('power_w', 0) / 1000:,.1f} kW"
            devices.append(Mounted(lowest, height, kind, node["id"], detail))
            lowest += height
        for number, (label, detail) in enumerate(switch_labels):
            devices.append(Mounted(units - (number + 1) * switch_u + 1, switch_u, "switch", label, detail))
        elevations.append(RackElevation(
            rack.get("index", len(elevations)), units, devices, rack.get("pdus", 0), rack.get("power_w", 0), rack.get("power_limit_w"), rack.get("cooling", ""),
        ))
    return elevations


def pdu_labels(count: int) -> list[str]:
    """'PDU A' / 'PDU B' per pair of feeds; numbered when there is no pair."""
    if count % 2 == 0:
        return [f"PDU {'AB'[number % 2]}{number // 2 + 1 if count > 2 else ''}" for number in range(count)]
    return [f"PDU {number + 1}" for number in range(count)]


def rack_svg(rack: RackElevation) -> Markup:
    """One rack's front elevation."""
    height = _TOP + rack.units * U_PIXELS + 30
    width = RACK_WIDTH + 2 * _SIDE
    left = _SIDE
    bottom = _TOP + rack.units * U_PIXELS

    def y_of(u: int) -> float:
        """Pixel y of the top edge of unit ``u``."""
        return bottom - u * U_PIXELS

    parts = [element("rect", {"x": left, "y": _TOP, "width": RACK_WIDTH, "height": rack.units * U_PIXELS, "fill": "#fff", "stroke": "#333", "stroke-width": 2})]
    for u in range(1, rack.units + 1):
        parts.append(text(left - 4, y_of(u) + U_PIXELS - 3, u, text_anchor="end", font_size=8, fill="#777"))
        parts.append(element("line", {"x1": left, "x2": left + RACK_WIDTH, "y1": y_of(u), "y2": y_of(u), "stroke": "#eee"}))
    for device in rack.devices:
        top = y_of(device.lowest_u + device.height_u - 1)
        box_height = device.height_u * U_PIXELS
        fill = {"switch": _SWITCH_FILL, "owned server": _OWNED_FILL}.get(device.kind, _SERVER_FILL)
        middle = top + box_height / 2
        label_parts = [text(left + 8, middle + (-1 if device.height_u > 1 else 4), device.label, font_size=11, font_weight="bold")]
        if device.height_u > 1:
            label_parts.append(text(left + 8, middle + 12, device.detail + (" · owned" if device.kind == "owned server" else ""), font_size=10))
        parts.append(element(
            "g", {"class": f"device {device.kind.replace(' ', '-')}"},
            element("rect", {"x": left + 2, "y": top + 1, "width": RACK_WIDTH - 4, "height": box_height - 2, "rx": 2, "fill": fill, "stroke": "#456"}),
            *label_parts,
        ))
    for number, label in enumerate(pdu_labels(rack.pdus)):
        side_x = left - 34 if number % 2 == 0 else left + RACK_WIDTH + 22
        # Several PDUs per side share the side's height.
        per_side = (rack.pdus + 1 - number % 2) // 2
        slot = number // 2
        span = rack.units * U_PIXELS / max(1, per_side)
        top = _TOP + slot * span
        parts.append(element(
            "g", {"class": "pdu"},
            element("rect", {"x": side_x, "y": top + 2, "width": 12, "height": span - 4, "fill": _PDU_FILL, "stroke": "#a55"}),
            text(side_x + 9.5, top + span / 2, label, font_size=9, text_anchor="middle", transform=f"rotate(-90 {side_x + 9.5:.1f} {top + span / 2:.1f})"),
        ))
    limit = f" of {rack.power_limit_w / 1000:,.0f}" if rack.power_limit_w else ""
    title = f"Rack {rack.index + 1}: {rack.used_u} of {rack.units} U, {rack.power_w / 1000:,.1f}{limit} kW" + (f", {rack.cooling}-cooled" if rack.cooling else "")
    parts.append(text(width / 2, 20, title, text_anchor="middle", font_size=11.5, font_weight="bold"))  # fits "…, liquid-cooled" in the rack's width
    parts.append(text(width / 2, height - 10, f"{rack.pdus} PDU{'s' if rack.pdus != 1 else ''} (zero-U, sides)" if rack.pdus else "no PDU", text_anchor="middle", font_size=10, fill="#555"))
    return svg_root(width, height, title, "rack-elevation", *parts)


__all__ = ["Mounted", "RackElevation", "pdu_labels", "rack_elevations", "rack_svg"]
