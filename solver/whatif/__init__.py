"""What-if analysis: budget sweeps, objective trade-offs, Pareto frontiers and scenario overlays."""
