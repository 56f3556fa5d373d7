"""The CP-SAT procurement model: precomputed data → variables → one module per constraint family → solve."""
