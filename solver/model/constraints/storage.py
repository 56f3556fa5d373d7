"""NVMe capacity for every served checkpoint and kept training checkpoint: the servers' own
drives plus drives bought."""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from solver.model.data import ModelData
from solver.model.variables import Variables
from solver.units import GB


def add(model: cp_model.CpModel, data: ModelData, variables: Variables) -> None:
    drive = data.facility.storage
    drive_gb = int(drive.capacity or 0) // GB
    included = sum(variables.nodes(data, c.key) * (int(c.node.storage) // GB) for c in data.configs)
    variables.drives = model.new_int_var(0, max(0, math.ceil(data.storage_needed_gb / max(drive_gb, 1))), "storage_drives")
    model.add(variables.drives * drive_gb + included >= data.storage_needed_gb).with_name("storage_covers_checkpoints")
