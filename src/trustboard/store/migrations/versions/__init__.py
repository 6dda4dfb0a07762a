"""The migration chain: 0001_initial, 0002_baf, 0003_metric_current, ... (one linear chain,
readable ids)."""
