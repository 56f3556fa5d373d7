"""bom.xlsx: the purchase order as a workbook a buyer can hand to a vendor and edit.

Sheets: Summary (totals, status, policy), BOM (every line; extended prices and the total are live
formulas, so changing a quantity or a quoted price updates them), Configurations (one column per
configured server type: chassis, accelerators, CPUs, memory, drives, NICs, PSUs, rails) and
Assumptions & sources (what the plan was held to, and where every price came from).

bom.csv stays the machine-readable file; the workbook is built from the same Plan, and its
total formula evaluates to summary.capex_usd (tests/report/test_workbook.py evaluates it).
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from solver.plan.schema import Plan

BOM_HEADER = (
    "Line", "Part of line", "Category", "SKU", "Description", "Vendor", "Quantity", "Unit price (USD)", "Extended price (USD)",
    "Included in system (USD)", "Low (USD)", "High (USD)", "Price as of", "Price source", "Quote vendor", "Quote id", "Quote date",
    "Quote valid until", "Notes",
)
QUANTITY, UNIT, EXTENDED, INCLUDED = "G", "H", "I", "J"
"""Columns of the BOM sheet the formulas use."""
FIXED_TIME = datetime.datetime(2000, 1, 1)
"""Document timestamps: fixed, so the same plan gives the same workbook contents."""
MONEY = "#,##0"
BOLD = Font(bold=True)


def bom_workbook(plan: Plan) -> bytes:
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    bom = workbook.create_sheet("BOM")
    total_cell = _bom_sheet(bom, plan)
    _summary_sheet(summary, plan, total_cell)
    _configurations_sheet(workbook.create_sheet("Configurations"), plan)
    _assumptions_sheet(workbook.create_sheet("Assumptions & sources"), plan)
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "procure"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _without_timestamps(buffer.getvalue())


def _without_timestamps(archive: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01 and a fixed 'modified' property: the same
    plan gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time as 'modified' whatever the properties say.
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", content)
            target.writestr(entry, content)
    return output.getvalue()


def _bom_sheet(sheet: Worksheet, plan: Plan) -> str:
    """Write the BOM; returns the address of the total cell."""
    sheet.append(BOM_HEADER)
    for cell in sheet[1]:
        cell.font = BOLD
    for line in plan.bom:
        row = sheet.max_row + 1
        top = line.parent is None
        extended = f"={QUANTITY}{row}*{UNIT}{row}"
        sheet.append([
            line.line, line.parent, line.category, line.sku, ("" if top else "    ") + line.description, line.vendor, line.quantity,
            line.unit_price_usd, extended if top else None, None if top else extended, line.price_low_usd, line.price_high_usd,
            line.price_as_of, line.price_source, line.quote_vendor, line.quote_id, line.quote_date, line.quote_valid_until, line.notes,
        ])
        if top:
            for cell in sheet[row]:
                if cell.column_letter in ("C", "D", "E"):
                    cell.font = BOLD
    last = sheet.max_row
    total_row = last + 1
    sheet.append([None] * 7 + ["Total (USD)", f"=SUM({EXTENDED}2:{EXTENDED}{last})"])
    sheet[f"H{total_row}"].font = BOLD
    sheet[f"{EXTENDED}{total_row}"].font = BOLD
    for column in (UNIT, EXTENDED, INCLUDED, "K", "L"):
        for cell in sheet[column][1:]:
            cell.number_format = MONEY
    widths = {"A": 6, "B": 8, "C": 18, "D": 28, "E": 70, "F": 12, "G": 9, "H": 14, "I": 16, "J": 16, "K": 12, "L": 12, "M": 12, "N": 60, "S": 50}
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    return f"BOM!{EXTENDED}{total_row}"


def _summary_sheet(sheet: Worksheet, plan: Plan, total_cell: str) -> None:
    summary = plan.summary
    rows: list[tuple[str, object]] = [
        ("Problem", summary.problem),
        ("Status", f"{summary.status} ({summary.objective}; gap {summary.gap:.2%})"),
        ("Purchase order total (USD)", f"={total_cell}"),
        ("Capex in plan.json (USD)", summary.capex_usd),
        ("Power, nameplate (W)", summary.power_w),
        (f"TCO over the plan's horizon (USD)", summary.tco_usd),
        ("Servers", summary.nodes),
        ("Racks", summary.racks),
        ("GPUs", ", ".join(f"{count}× {gpu}" for gpu, count in summary.gpus.items())),
        ("Prices planned at", summary.price_point),
        ("Speeds planned at", f"{summary.speed_confidence:.0%} confidence of the calibration band; {summary.speed_model}"),
    ]
    rows += [("Buying-policy opt-in", text) for text in summary.policy_opt_ins]
    rows += [("Warning", text) for text in summary.warnings]
    sheet.append(("Item", "Value"))
    for cell in sheet[1]:
        cell.font = BOLD
    for label, value in rows:
        sheet.append((label, value))
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in ("Purchase order total (USD)", "Capex in plan.json (USD)", "TCO over the plan's horizon (USD)"):
            row[1].number_format = MONEY
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 100


def _configurations_sheet(sheet: Worksheet, plan: Plan) -> None:
    """One column per configured server type, one row per configuration item."""
    systems = [line for line in plan.bom if line.parent is None and line.category == "system"]
    sheet.append(["Item"] + [system.sku for system in systems])
    for cell in sheet[1]:
        cell.font = BOLD
    rows: dict[str, list[str]] = {}
    order: list[str] = []
    for index, system in enumerate(systems):
        for line in plan.bom:
            if line.parent != system.line:
                continue
            label = line.category if line.category != "configuration" else line.description.split(":", 1)[0]
            text = line.description.split(": ", 1)[1] if line.category == "configuration" and ": " in line.description else f"{line.quantity // system.quantity}× {line.description}"
            if label not in rows:
                rows[label] = [""] * len(systems)
                order.append(label)
            rows[label][index] = text
    sheet.append(["Quantity"] + [system.quantity for system in systems])
    sheet.append(["Unit price (USD)"] + [system.unit_price_usd for system in systems])
    for label in order:
        sheet.append([label] + rows[label])
    sheet.column_dimensions["A"].width = 20
    for index in range(len(systems)):
        sheet.column_dimensions[get_column_letter(index + 2)].width = 60
    for row in sheet.iter_rows(min_row=2):
        for cell in row[1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _assumptions_sheet(sheet: Worksheet, plan: Plan) -> None:
    summary = plan.summary
    sheet.append(("Topic", "Assumption or source"))
    for cell in sheet[1]:
        cell.font = BOLD
    sheet.append(("Speed model", summary.speed_model))
    sheet.append(("Speed confidence", f"speeds and first-token times planned at the {summary.speed_confidence:.0%} quantile of the calibration band"))
    sheet.append(("Price point", f"{summary.price_point}: " + {"mid": "the catalog price", "low": "low end of each published range", "high": "high end of each published range"}[summary.price_point]))
    for text in summary.policy_opt_ins:
        sheet.append(("Buying policy (lifted)", text))
    for text in summary.excluded_by_policy:
        sheet.append(("Buying policy (kept out)", text))
    for text in summary.name_expansions:
        sheet.append(("Names", text))
    for rack in plan.racks:
        limit = "no limit" if rack.power_limit_w is None else f"{rack.power_limit_w / 1000:g} kW"
        sheet.append((f"Rack {rack.index}", f"{rack.cooling}-cooled, {rack.power_w / 1000:.1f} kW of {limit}; {rack.pdus} PDUs on A/B feeds, each able to carry the rack alone"))
    sheet.append(())
    sheet.append(("SKU", "Price source (as of)"))
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    seen = set()
    for line in plan.bom:
        if line.sku in seen or not line.price_source or line.category == "configuration":
            continue
        seen.add(line.sku)
        sheet.append((line.sku, f"{line.price_source} ({line.price_as_of or 'unstated'})"))
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 140
