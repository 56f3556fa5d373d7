"""Unit economics of a plan: what owning (or renting) its capacity costs per year, per GPU-hour
and per million tokens, per workload and in total (plan.json `economics`)."""
