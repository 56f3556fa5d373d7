"""From solver values to a concrete plan: named servers, replica placements on GPU indices, racks."""
