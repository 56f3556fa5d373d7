"""Precomputed data for the CP-SAT model: node configurations and every feasible deployment option."""
