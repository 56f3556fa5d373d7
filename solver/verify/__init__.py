"""An independent check of every plan before it is written: it reads the plan, the problem and
the catalogs, recomputes memory and speed with the estimator, and knows nothing of CP-SAT or of
the precomputed options."""
